/**
 * The JSON Schema of `services.yaml` (and of `PUT /services/{name}` bodies), for editors. Built from
 * the registry validator's field lists, patterns and ranges (`entry-validation.ts`); each map is
 * typed against the list it describes, so a new field needs its schema here to typecheck.
 * `schemas/services.schema.json` is this object (`baton schema services`). URL safety (private and
 * metadata addresses, DNS) and secret references are checked by the registry only.
 */
import {
  anyCase,
  closedObject,
  DRAFT_2020_12,
  integer,
  pattern,
  type Schema,
} from "../../core/schema/json-schema.ts";
import {
  type CIRCUIT_FIELDS,
  HEADER_NAME,
  type HEALTH_FIELDS,
  HEALTH_PATH,
  type INSTANCE_FIELDS,
  INSTANCE_ID,
  MAX_CONTRACT_SOURCE,
  MAX_INSTANCES,
  MAX_RATE_PER_SECOND,
  MAX_SERVICE_CONCURRENCY,
  MAX_WEIGHT,
  MIN_RATE_PER_SECOND,
  MIN_WEIGHT,
  RESERVED_HEADERS,
  type SERVICE_FIELDS,
  SERVICE_NAME,
  SETTING_RANGES,
} from "./entry-validation.ts";
import { BALANCING_STRATEGIES, DEFAULT_CIRCUIT, DEFAULT_HEALTH } from "./registry-model.ts";

type Fields<T extends readonly string[]> = { readonly [K in T[number]]: Schema };

const ranged = (key: keyof typeof SETTING_RANGES, description: string, fallback?: number) => ({
  ...integer(SETTING_RANGES[key][0], SETTING_RANGES[key][1], description),
  ...(fallback === undefined ? {} : { default: fallback }),
});

const instanceFields: Fields<typeof INSTANCE_FIELDS> = {
  id: pattern(INSTANCE_ID, "Instance id, unique in the service."),
  url: {
    type: "string",
    pattern: "^[hH][tT][tT][pP][sS]?://[^/?#@]+(/[^?#]*)?$",
    description: "Base URL (http or https, no credentials, query or fragment).",
  },
  weight: {
    type: "number",
    minimum: MIN_WEIGHT,
    maximum: MAX_WEIGHT,
    default: 1,
    description: "Share of traffic under weighted_random.",
  },
};

const healthFields: Fields<typeof HEALTH_FIELDS> = {
  path: {
    ...pattern(HEALTH_PATH, "Probed with GET; 2xx is healthy."),
    default: DEFAULT_HEALTH.path,
  },
  intervalSeconds: ranged("intervalSeconds", "Seconds between probes.", 60),
  unhealthyAfter: ranged("unhealthyAfter", "Failed probes before out of rotation.", 2),
  healthyAfter: ranged("healthyAfter", "Good probes before back in rotation.", 1),
};

const circuitFields: Fields<typeof CIRCUIT_FIELDS> = {
  failureRateThreshold: ranged(
    "failureRateThreshold",
    "Percent of failed calls in the window that opens the circuit.",
    DEFAULT_CIRCUIT.failureRateThreshold,
  ),
  minimumCalls: ranged(
    "minimumCalls",
    "Calls the window must hold before the rate is judged.",
    DEFAULT_CIRCUIT.minimumCalls,
  ),
  failureThreshold: ranged("failureThreshold", "v1 name of minimumCalls (not both)."),
  windowSeconds: ranged("windowSeconds", "Sliding window.", DEFAULT_CIRCUIT.windowSeconds),
  cooldownSeconds: ranged(
    "cooldownSeconds",
    "Seconds open before one probe call.",
    DEFAULT_CIRCUIT.cooldownSeconds,
  ),
};

/** Header names Baton sets itself, in any letter case, and the `x-baton-` prefix. */
const RESERVED_HEADER = `^(${[...RESERVED_HEADERS].map(anyCase).join("|")})$|^${anyCase("x-baton-")}`;

const serviceFields: Fields<typeof SERVICE_FIELDS> = {
  name: pattern(SERVICE_NAME, "The name steps call it by."),
  instances: {
    type: "array",
    maxItems: MAX_INSTANCES,
    items: closedObject(instanceFields, ["id", "url"]),
  },
  health: closedObject(healthFields),
  balancing: { enum: [...BALANCING_STRATEGIES], default: "round_robin" },
  circuit: {
    ...closedObject(circuitFields),
    not: { required: ["failureThreshold", "minimumCalls"] },
  },
  timeout: ranged("timeout", "Seconds: health-probe timeout and default call timeout.", 10),
  headers: {
    type: "object",
    propertyNames: { pattern: HEADER_NAME.source, not: { pattern: RESERVED_HEADER } },
    additionalProperties: { type: "string", pattern: "^[\\t\\x20-\\x7e\\x80-\\xff]*$" },
    description: 'Sent on every call; secrets as "{{ secret:<name> }}".',
  },
  openapi: {
    anyOf: [
      { type: "string", minLength: 1, maxLength: MAX_CONTRACT_SOURCE },
      {
        type: "object",
        required: ["openapi"],
        properties: { openapi: { type: "string", pattern: "^3\\." } },
      },
    ],
    description:
      "The service's OpenAPI 3.x contract: a URL, a path relative to this file, or the document inline (docs/contracts.md).",
  },
  limits: {
    ...closedObject({
      concurrency: {
        type: "integer",
        minimum: 1,
        maximum: MAX_SERVICE_CONCURRENCY,
        description: "Calls in flight at once, across every caller.",
      },
      ratePerSecond: {
        type: "number",
        minimum: MIN_RATE_PER_SECOND,
        maximum: MAX_RATE_PER_SECOND,
        description: "Calls started per second (0.5: one every 2 s).",
      },
    }),
    minProperties: 1,
    description:
      "Shared call limits: calls over them wait within the step's timeout (docs/limits-and-pause.md).",
  },
};

/** One service, as in services.yaml and `PUT /services/{name}` (where `name` may be left out). */
export const serviceEntrySchema = (nameRequired: boolean): Schema =>
  closedObject(serviceFields, nameRequired ? ["name"] : []);

export function servicesJsonSchema(): Schema {
  return {
    $schema: DRAFT_2020_12,
    title: "Baton services.yaml",
    description: "The service registry seed (docs/language.md, Services).",
    ...closedObject({
      $schema: { type: "string", description: "This schema, for editors; ignored by Baton." },
      services: { anyOf: [{ type: "array", items: serviceEntrySchema(true) }, { type: "null" }] },
    }),
  };
}
