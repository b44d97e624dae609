/**
 * The REST API of SERVICE.md: every route proxied to the api handler, authorized with IAM (SigV4)
 * by default, a Cognito user pool, or JWTs of any OIDC issuer with an enforced audience (a Lambda
 * authorizer: REST API authorizers verify Cognito tokens only, and an HTTP API JWT authorizer
 * would mean giving up the REST API's request validation, per-method IAM and stage settings),
 * stage throttling, JSON access logs, execution logging and X-Ray. REST APIs cap request bodies at 10 MB and the limit cannot be lowered; the handler
 * enforces the smaller Step Functions input limit (256 KB) itself.
 */
import { Annotations, Duration, RemovalPolicy } from "aws-cdk-lib";
import {
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  type IAuthorizer,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodOptions,
  type RequestValidator,
  ResponseType,
  RestApi,
  TokenAuthorizer,
} from "aws-cdk-lib/aws-apigateway";
import { type IUserPool, Mfa, UserPool, type UserPoolClient } from "aws-cdk-lib/aws-cognito";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { JWT_ENV } from "../runtime/aws/env.ts";
import { BatonFunction } from "./baton-function.ts";
import type { ApiAuth } from "./config.ts";
import { acknowledge } from "./nag.ts";

export const API_STAGE_NAME = "v1";

export interface BatonApiProps {
  readonly restApiName: string;
  readonly handler: IFunction;
  /**
   * Serves `PUT /workflows/{name}` (it compiles, so it is a bundle of its own) and
   * `POST /services/{name}/contract/refresh` (the contract check); every other method on those
   * paths stays with `handler`. @default `handler` serves them too (it must then route them)
   */
  readonly publishHandler?: IFunction;
  /**
   * Serves the web console's files (`GET /`, `GET /console/{asset}`) without authorization: they
   * hold no data, and the page calls the API with the caller's own credentials (docs/console.md).
   * @default none: `GET /` goes to `handler` like every other route
   */
  readonly consoleHandler?: IFunction;
  /**
   * Serves `/events` and the paths below it (`POST`/`GET /events`, `POST /events/replay`): the bus
   * Lambda, whose role reaches the bus, the events table and the archive. @default the handler
   */
  readonly eventsHandler?: IFunction;
  /** @default { mode: "iam" } */
  readonly auth?: ApiAuth;
  /** Steady-state requests per second for the stage. @default 50 */
  readonly throttlingRateLimit?: number;
  /** @default 100 */
  readonly throttlingBurstLimit?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Applies to the access log group and a created user pool. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

export class BatonApi extends Construct {
  readonly api: RestApi;
  readonly accessLogs: LogGroup;
  /** The user pool callers sign in to, when auth is `cognito`. */
  readonly userPool?: IUserPool;
  /** The Lambda authorizer verifying JWTs, when auth is `jwt`. */
  readonly authorizerFunction?: BatonFunction;
  /** The app client created with a `cognito` user pool. */
  readonly userPoolClient?: UserPoolClient;

  constructor(scope: Construct, id: string, props: BatonApiProps) {
    super(scope, id);
    const auth = props.auth ?? { mode: "iam" };
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    this.accessLogs = new LogGroup(this, "AccessLogs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    this.api = new RestApi(this, "Api", {
      restApiName: props.restApiName,
      description: "Baton workflow orchestrator API",
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      cloudWatchRole: true,
      deployOptions: {
        stageName: API_STAGE_NAME,
        throttlingRateLimit: props.throttlingRateLimit ?? 50,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
    });
    if (auth.mode === "cognito") {
      const pool = this.createUserPool(removalPolicy);
      this.userPool = pool;
      this.userPoolClient = pool.addClient("ApiClient", {
        authFlows: { userSrp: true },
        generateSecret: false,
      });
    } else if (auth.mode === "jwt") {
      this.authorizerFunction = new BatonFunction(this, "JwtAuthorizer", {
        handler: "api-authorizer",
        description: `Verifies the API's bearer tokens: issuer ${auth.issuer}, audience ${auth.audience}`,
        timeout: Duration.seconds(10),
        environment: {
          [JWT_ENV.issuer]: auth.issuer,
          [JWT_ENV.audience]: auth.audience,
          ...(auth.jwksUrl === undefined ? {} : { [JWT_ENV.jwksUrl]: auth.jwksUrl }),
        },
        ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
        removalPolicy,
      });
    }
    this.addProblemResponses();
    const validator = this.api.addRequestValidator("Validator", {
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const integration = new LambdaIntegration(props.handler, {
      proxy: true,
      allowTestInvoke: false,
    });
    const options = this.methodOptions(auth, validator);
    // Both methods get the options explicitly: a resource's default options do not carry the
    // request validator, and `/{proxy+}` would otherwise add a bare ANY method on `/`.
    this.api.root.addMethod("ANY", integration, options);
    this.api.root.addProxy({ anyMethod: false }).addMethod("ANY", integration, options);
    if (props.publishHandler !== undefined) {
      // A resource of its own does not fall back to the proxy: the other methods of these paths
      // (and the paths below them) go to the main handler explicitly.
      const workflows = this.api.root.addResource("workflows");
      workflows.addMethod("ANY", integration, options);
      const workflow = workflows.addResource("{name}");
      workflow.addMethod("ANY", integration, options);
      workflow.addProxy({ anyMethod: false }).addMethod("ANY", integration, options);
      const publish = new LambdaIntegration(props.publishHandler, {
        proxy: true,
        allowTestInvoke: false,
      });
      workflow.addMethod("PUT", publish, options);
      // Templates compile too (docs/templates.md): the publish function serves them.
      workflows.addResource("from-template").addMethod("POST", publish, options);
      const templates = this.api.root.addResource("templates");
      templates.addMethod("GET", publish, options);
      templates.addResource("{name}").addMethod("GET", publish, options);
      // The contract refresh carries the contract check: the publish handler's too.
      const services = this.api.root.addResource("services");
      services.addMethod("ANY", integration, options);
      const service = services.addResource("{name}");
      service.addMethod("ANY", integration, options);
      service.addProxy({ anyMethod: false }).addMethod("ANY", integration, options);
      const contract = service.addResource("contract");
      contract.addMethod("ANY", integration, options);
      contract.addProxy({ anyMethod: false }).addMethod("ANY", integration, options);
      const refresh = contract.addResource("refresh");
      refresh.addMethod("ANY", integration, options);
      refresh.addMethod("POST", publish, options);
    }
    if (props.consoleHandler !== undefined) this.addConsole(props.consoleHandler, validator);
    if (props.eventsHandler !== undefined) {
      const bus = new LambdaIntegration(props.eventsHandler, {
        proxy: true,
        allowTestInvoke: false,
      });
      const events = this.api.root.addResource("events");
      events.addMethod("ANY", bus, options);
      events.addProxy({ anyMethod: false }).addMethod("ANY", bus, options);
    }
    this.acknowledgeNagFindings(auth);
  }

  /** `GET /` and `GET /console/{asset}` to the console Lambda, open: static files, no data. */
  private addConsole(handler: IFunction, requestValidator: RequestValidator): void {
    const integration = new LambdaIntegration(handler, { proxy: true, allowTestInvoke: false });
    const open: MethodOptions = { requestValidator, authorizationType: AuthorizationType.NONE };
    const methods = [
      this.api.root.addMethod("GET", integration, open),
      this.api.root
        .addResource("console")
        .addResource("{asset}")
        .addMethod("GET", integration, open),
    ];
    for (const method of methods) {
      for (const rule of ["AwsSolutions-APIG4", "AwsSolutions-COG4"]) {
        acknowledge(
          method,
          rule,
          "The web console's static files: no data, no secrets; the page calls the API with the caller's credentials.",
        );
      }
    }
  }

  private methodOptions(auth: ApiAuth, requestValidator: RequestValidator): MethodOptions {
    if (auth.mode === "iam") return { requestValidator, authorizationType: AuthorizationType.IAM };
    if (auth.mode === "none") {
      Annotations.of(this).addWarningV2(
        "baton:apiAuthNone",
        'baton:apiAuth is "none": anyone who knows the URL can start and cancel workflows.',
      );
      return { requestValidator, authorizationType: AuthorizationType.NONE };
    }
    if (auth.mode === "jwt" && this.authorizerFunction !== undefined) {
      // No result cache: `exp` is checked on every request (a cached Allow would outlive it); the
      // authorizer keeps the issuer's keys in memory, so a warm call verifies without fetching.
      const authorizer: IAuthorizer = new TokenAuthorizer(this, "Authorizer", {
        handler: this.authorizerFunction.function,
        identitySource: "method.request.header.Authorization",
        resultsCacheTtl: Duration.seconds(0),
      });
      return { requestValidator, authorizationType: AuthorizationType.CUSTOM, authorizer };
    }
    const authorizer = new CognitoUserPoolsAuthorizer(this, "Authorizer", {
      cognitoUserPools: this.userPool === undefined ? [] : [this.userPool],
    });
    return { requestValidator, authorizationType: AuthorizationType.COGNITO, authorizer };
  }

  /**
   * API Gateway's own refusals as the problem documents the handler answers (and `baton dev --auth
   * jwt` sends): 401 `unauthorized`, 403 `forbidden`, 500 `authorizer-failure`.
   */
  private addProblemResponses(): void {
    const responses = [
      [
        ResponseType.UNAUTHORIZED,
        "401",
        "unauthorized",
        "Unauthorized",
        "The request has no acceptable credentials: a missing, expired or invalid token (its issuer, audience or signature).",
      ],
      [
        ResponseType.ACCESS_DENIED,
        "403",
        "forbidden",
        "Forbidden",
        "The caller may not call this route.",
      ],
      [
        ResponseType.AUTHORIZER_FAILURE,
        "500",
        "authorizer-failure",
        "Authorizer failure",
        "Tokens cannot be verified at the moment (the issuer's keys could not be read); retry later.",
      ],
    ] as const;
    for (const [type, statusCode, slug, title, detail] of responses) {
      this.api.addGatewayResponse(`${slug}-response`, {
        type,
        statusCode,
        responseHeaders: { "Content-Type": "'application/problem+json'" },
        templates: {
          "application/json": JSON.stringify({
            type: `urn:baton:problem:${slug}`,
            title,
            status: Number(statusCode),
            detail,
          }),
        },
      });
    }
  }

  private createUserPool(removalPolicy: RemovalPolicy): UserPool {
    const pool = new UserPool(this, "UserPool", {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      removalPolicy,
    });
    for (const rule of ["AwsSolutions-COG3", "AwsSolutions-COG8"]) {
      acknowledge(
        pool,
        rule,
        "Threat protection needs the Plus feature plan; operators opt in per account.",
      );
    }
    return pool;
  }

  private acknowledgeNagFindings(auth: ApiAuth): void {
    acknowledge(
      this,
      "AwsSolutions-APIG3",
      "No WAF: callers are authenticated and the stage is throttled; attach a web ACL per account if needed.",
    );
    acknowledge(
      this,
      "AwsSolutions-IAM4",
      "API Gateway's account-level CloudWatch role needs the AWS managed push-to-logs policy.",
      [
        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
      ],
    );
    if (auth.mode === "iam" || auth.mode === "none") {
      acknowledge(
        this,
        "AwsSolutions-COG4",
        `baton:apiAuth is "${auth.mode}": callers sign requests with IAM (SigV4), or the API is deliberately open.`,
      );
    }
    if (auth.mode === "jwt") {
      acknowledge(
        this,
        "AwsSolutions-COG4",
        `baton:apiAuth is "jwt": a Lambda authorizer verifies tokens of ${auth.issuer} (signature, issuer, audience, expiry); the issuer need not be a Cognito user pool.`,
      );
    }
    if (auth.mode === "none") {
      acknowledge(
        this,
        "AwsSolutions-APIG4",
        'baton:apiAuth is "none", chosen explicitly for a private or test deployment.',
      );
    }
  }
}
