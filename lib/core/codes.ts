/**
 * Every problem code `validate`, `compile` and the loaders can report, with a one-line description
 * (rendered in the README). `E_` codes are errors, `W_` codes warnings (`W_NO_COMPENSATION` keeps
 * its code but becomes an error under `--strict`).
 */
export const PROBLEM_CODES = {
  // Reading files
  E_READ: "The file or folder cannot be read.",
  E_YAML: "The file is not valid YAML or JSON (syntax error, several documents).",
  E_DUPLICATE_KEY: "A mapping repeats a key.",
  E_ROOT: "The document is not a mapping.",
  // Shape of fields
  E_UNKNOWN_FIELD: "A field that the workflow language does not define (often a typo).",
  E_TYPE: "A field has the wrong JSON type.",
  E_REQUIRED: "A required field is missing.",
  E_ENUM: "A field's value is not one of the allowed values.",
  E_RESERVED_KEY: "A key ends with `.$`, which Step Functions would read as a path.",
  E_RESERVED_DETAIL_TYPE:
    "An emit step uses a detail type Baton publishes itself (e.g. `Execution Succeeded`).",
  // Workflow fields
  E_WORKFLOW_NAME: "The workflow name does not match ^[a-z][a-z0-9-]{0,62}$.",
  E_VERSION: "`version` is not a positive integer.",
  E_TAGS: "`tags` is not a list of at most 20 distinct tags matching ^[a-z0-9][a-z0-9:._-]{0,62}$.",
  E_TIMEOUT: "A timeout is not a whole number of seconds between 1 and 31536000 (one year).",
  E_EXPRESS_TIMEOUT: "An express workflow's timeout, or a wait in it, is over 300 seconds.",
  E_EXPRESS_STEP: "An express workflow contains an `await` or `workflow` step.",
  E_INPUT_SCHEMA: "`input` is not a valid JSON Schema (2020-12).",
  E_TRIGGER: "A trigger is not an object with exactly one of `event` or `schedule`.",
  E_EVENT_PATTERN:
    "An event pattern is not one EventBridge accepts (non-list value, empty list, unknown operator, bad range or CIDR).",
  E_SCHEDULE:
    "A schedule is not `rate(<n> <unit>)` or a valid six-field `cron(...)` (field out of range, both day fields set).",
  // Steps
  E_STEPS_EMPTY: "A list of steps (workflow, branch, case, map body) is missing or empty.",
  E_STEP_KIND: "A step has no kind or several kinds.",
  E_STEP_ID: "A step id does not match ^[a-z][a-z0-9_]{0,62}$.",
  E_DUPLICATE_ID: "Two steps share an id (ids are unique across the whole workflow).",
  E_UNKNOWN_DEPENDENCY: "`dependsOn` names a step that is not in the same list.",
  E_SELF_DEPENDENCY: "A step lists itself in `dependsOn`.",
  W_DUPLICATE_DEPENDENCY: "`dependsOn` lists the same step twice.",
  E_CYCLE: "Steps depend on each other in a cycle.",
  W_UNREACHABLE_STEP: "A step runs after a `fail` or `succeed` step, so it never runs.",
  E_CALL: "A call string is not `<service> <METHOD> <path>`.",
  E_SERVICE_NAME: "A service name does not match ^[a-z][a-z0-9-]{0,62}$.",
  E_METHOD: "An HTTP method is not one of GET, POST, PUT, PATCH, DELETE, HEAD.",
  E_CALL_PATH: "A call path does not start with `/`.",
  E_CALL_WITH: "`with` is used with the object form of `call` (put the body in `body`).",
  E_SELECT: "`select` is not a path like `body.items[0]` starting at status, headers or body.",
  E_RETRY: "A retry field is out of range (see docs/language.md, Retry and timeouts).",
  E_RETRY_ERROR: "`retry.on` names an unknown `Baton.*` error or misuses `States.ALL`.",
  E_RANGE: "A number is out of range or not whole (wait seconds, maxConcurrency).",
  E_MAP_ITEMS: "A map's `items` is not exactly one template (`{{ … }}`).",
  E_WAIT: "A wait step needs exactly one of `seconds` or `until` (a template or an ISO-8601 time).",
  E_FAIL_ERROR: "A fail step's `error` is empty, templated, or starts with `States.` or `Baton.`.",
  E_ON_ERROR:
    "`onError` is not `fail`, `continue`, `{then: continue, when}` or `{steps, when}`, names an unknown `Baton.*` error, or sits on a step kind that cannot take it.",
  E_LOOP: "A loop lacks `steps`, `until` or `maxIterations`, or `maxIterations` is not 1-1000.",
  E_OUTPUT_SCHEMA: "A call step's `output` is not a valid JSON Schema (2020-12).",
  E_SIGNAL_NAME: "An await signal name does not match ^[a-zA-Z][a-zA-Z0-9_.-]{0,127}$.",
  // Templates and conditions
  E_TEMPLATE: "A `{{ … }}` template cannot be parsed (empty, unclosed, unknown root, bad path).",
  E_TEMPLATE_SCOPE:
    "A template uses `item`/`index` outside a map, `iteration` outside a loop or `error` outside `compensate`.",
  E_ERROR_READ:
    "A template or condition reads `steps.<id>.error` of a step without `onError` (it is never there).",
  E_TEMPLATE_UNSUPPORTED: "A templated value that Step Functions cannot build (see the message).",
  E_UNKNOWN_STEP_REF: "A template or condition reads a step that does not exist.",
  E_STEP_NOT_FINISHED: "A template or condition reads a step not guaranteed to have finished.",
  E_WHEN: "A `when` condition cannot be parsed.",
  E_CONCURRENCY:
    "`concurrency` is invalid: limit not a whole number 1..1000, a key without a template or reading more than input and workflow, or an express workflow.",
  // Recommendations
  W_OPTIONAL_READ:
    "A template reads an input field the schema neither requires nor defaults, without `??`.",
  W_FAILED_STEP_READ:
    "A template reads the result of a step whose `onError` may have let it fail (only `error` is there then), without `??`.",
  W_NO_COMPENSATION:
    "A POST, PUT, PATCH or DELETE call has neither `compensate` nor `idempotent: true` (error under --strict).",
  // Limits
  E_TOO_DEEP:
    "The file nests mappings and lists more than 128 levels deep, or steps more than 24 levels deep.",
  E_DEFINITION_TOO_LARGE:
    "The compiled state machine would exceed Step Functions' 1 MB definition limit once deployed.",
  // Across files
  E_DUPLICATE_WORKFLOW: "Two files define a workflow with the same name.",
  E_UNKNOWN_WORKFLOW: "A `workflow` step names a workflow that is not in the set being loaded.",
  E_RECURSION: "Workflows start each other in a cycle (a workflow may not run itself).",
  E_NO_WORKFLOWS_DIR:
    "The workflows folder given to the CDK app (`baton:workflowsDir`) does not exist.",
  // Service contracts (OpenAPI documents named in services.yaml; docs/contracts.md)
  E_CONTRACT_ROUTE:
    "A call or compensation uses a path or method its service's contract does not have.",
  E_CONTRACT_BODY:
    "A call's body (literal parts, or templates of known type) violates the operation's request schema, or a required body is missing.",
  W_CONTRACT_FIELD:
    "A template or condition reads a response field the operation's 2xx response schemas do not declare.",
  E_CONTRACT_DOCUMENT:
    "A service's `openapi` document cannot be read or is not an OpenAPI 3.x document.",
  W_CONTRACT_UNCHECKED:
    "A service's contract is a URL with no cached copy, so its calls were not checked (validation never fetches).",
  // Templates (a workflow file named by `template:`, with `parameters`; docs/templates.md)
  E_TEMPLATE_NAME: "A template's `template` name does not match ^[a-z][a-z0-9-]{0,62}$.",
  E_TEMPLATE_PARAMETERS:
    "A template's `parameters` is missing or not a JSON Schema of an object with named properties.",
  E_UNKNOWN_PARAMETER: "`{{ param.x }}` names a parameter that `parameters` does not declare.",
  E_PARAMETER_REFERENCE:
    "A `{{ param… }}` is not `{{ param.<name> }}` (a path, a `??` default), or sits in a key.",
  E_PARAMETER_VALUE:
    "A parameter value does not match the template's schema, is missing, or is a list or object inside text.",
  W_UNUSED_PARAMETER: "A template declares a parameter that no `{{ param.x }}` reads.",
  E_TEMPLATE_NOT_WORKFLOW:
    "A template file is where workflow files are deployed from (create workflows from it instead).",
  // Building (a valid workflow that still cannot be built is a Baton bug: please report it)
  E_COMPILE: "A workflow validated but the compiler failed on it.",
  E_LOCAL_RUNTIME:
    "A workflow compiled but the local runtime (`baton dev`, `baton run`) cannot load it.",
} as const;

/** Closed: a code that is not listed above fails to typecheck wherever a problem is built. */
export type ProblemCode = keyof typeof PROBLEM_CODES;
