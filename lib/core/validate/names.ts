/**
 * Names and limits of the workflow language that both the validator and the language's JSON
 * Schema (`../schema/workflow-schema.ts`) state. A leaf module: the API builds its OpenAPI
 * document from that schema and must not reach the validator, which holds a schema compiler.
 */

export const WORKFLOW_NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const SIGNAL_NAME = /^[a-zA-Z][a-zA-Z0-9_.-]{0,127}$/;
export const STEP_ID = /^[a-z][a-z0-9_]{0,62}$/;
export const TAG = /^[a-z0-9][a-z0-9:._-]{0,62}$/;
export const MAX_TAGS = 20;
/** `await` steps wait an hour unless they say otherwise. */
export const DEFAULT_AWAIT_TIMEOUT = 3600;
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
