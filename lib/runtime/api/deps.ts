/**
 * Everything the API handlers use, injected as one object. `aws/api-deps.ts` builds the AWS
 * implementations once per container; tests and the local runtime pass their own.
 */
import type { WorkflowCatalogue } from "../catalogue.ts";
import type { DeadLetterQueue } from "../dead-letter-queue.ts";
import type { ExecutionEngine } from "../execution-engine.ts";
import type { Logger } from "../logger.ts";
import type { ExecutionStore } from "../records/execution-store.ts";
import type { SignalStore } from "../records/signal-store.ts";
import type { RegistryService } from "../registry/service.ts";
import type { InputValidator } from "./input-validation.ts";

/** A dependency probe for `GET /health`; resolves when the dependency answers. */
export interface HealthCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
}

export interface ApiDeps {
  readonly catalogue: WorkflowCatalogue;
  readonly executions: ExecutionStore;
  readonly signals: SignalStore;
  readonly engine: ExecutionEngine;
  readonly registry: RegistryService;
  readonly dlq: DeadLetterQueue;
  readonly healthChecks: readonly HealthCheck[];
  readonly inputValidator: InputValidator;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** New execution ids (also the Step Functions execution name). @default randomUUID */
  readonly newId?: () => string;
  /** Where unexpected failures and unavailable dependencies are reported. @default consoleLogger */
  readonly logger?: Logger;
}
