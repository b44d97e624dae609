"""Runs compiled Baton ASL on moto's Step Functions interpreter (a port of LocalStack's), with
every Task state's result mocked per state and attempt, for the parity tier (npm run test:parity).

stdin:  {"scenarios": [{"name", "definition" (ASL JSON text, placeholders substituted),
          "input" (JSON value), "mocks": {"<state>": [{"return": <value>} | {"error", "cause"}, ...]}}]}
        The n-th entry of a state's list answers its n-th attempt ($$.State.RetryCount == n).
stdout: {"results": [{"name", "status", "output", "error", "cause", "entered": [state names]}]}

Retry intervals are not slept (both engines run with zero delays). Three patches to moto 5.2.5, both documented in the README ("Parity tier"):
- `extract_json` (moto/stepfunctions/parser/asl/utils/json_path.py) decides list-or-value from the
  matches, not from the path: a definite path through an array index gives a one-element list
  (`$.a[0].b` gives `["x"]` where Step Functions gives `"x"`; moto added that branch for filters,
  getmoto/moto#7825). Replaced by Jayway JsonPath's rule, which Step Functions follows: indefinite
  paths (wildcard, slice, union, filter, deep scan) give a list, definite paths the value.
- moto's execution (`Execution._get_start_execution_worker`, moto/stepfunctions/parser/backend/
  execution.py) never hands the interpreter a mock test case (its mock-config loader is a stub
  returning None); the wrapper gives each execution the MockTestCase built from the scenario.
- `StringFormat._eval_body` (moto/stepfunctions/parser/asl/component/intrinsic/function/
  statesfunction/generic/string_format.py) uses Python's str.format: a literal brace (the JSON the
  compiler formats, `States.Format('\\{"a":\\{"uncertain":true\\}\\}')`) raises KeyError and
  the execution fails with States.Runtime. Replaced by the documented rule (see format_body).
"""

import json
import re
import sys
import time
from types import SimpleNamespace
from typing import Any

from jsonpath_ng.ext import parse
from moto import mock_aws
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.intrinsic.function.statesfunction.generic import (
    string_format,
)
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend.execution import Execution
from moto.stepfunctions.parser.mocking.mock_config import (
    MockedResponse,
    MockedResponseReturn,
    MockedResponseThrow,
    MockTestCase,
    StateMockedResponses,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/baton-parity"
TIMEOUT_SECONDS = 60


# Jayway JsonPath's rule, which Step Functions follows: a path with a wildcard, slice, union, filter
# or deep scan is indefinite and gives a list; any other path gives the one value it reaches.
_INDEFINITE = re.compile(r"\.\.|\.\*|\[\s*\*\s*\]|\[\s*\?|\[[^\]]*[:,][^\]]*\]")


def extract_json(path: str, data: Any) -> Any:
    """moto's extract_json with Step Functions' definite/indefinite rule (see module doc)."""
    matches = parse(path).find(data)
    if _INDEFINITE.search(path):
        return [match.value for match in matches]
    if not matches:
        raise json_path.NoSuchJsonPathError(json_path=path, data=data)
    return matches[0].value


def patch_extract_json() -> None:
    original = json_path.extract_json
    # Modules import the function by name, so every binding is replaced, not only the definition.
    for module in list(sys.modules.values()):
        if module is None or not getattr(module, "__name__", "").startswith("moto.stepfunctions"):
            continue
        if getattr(module, "extract_json", None) is original:
            module.extract_json = extract_json


TEST_CASES: dict[str, MockTestCase] = {}


def mocked_response(attempt: int, raw: dict) -> MockedResponse:
    if "error" in raw:
        return MockedResponseThrow(attempt, attempt, raw["error"], raw.get("cause", ""))
    return MockedResponseReturn(attempt, attempt, raw.get("return"))


def register_test_case(machine: str, case: str, mocks: dict[str, list[dict]]) -> None:
    states = [
        StateMockedResponses(state, f"{state}-mock", [mocked_response(i, r) for i, r in enumerate(rs)])
        for state, rs in mocks.items()
    ]
    TEST_CASES[machine] = MockTestCase(machine, case, states)


def format_body(self: Any, env: Any) -> None:
    """States.Format as Step Functions defines it: `{}` takes the next argument, a backslash
    escapes the next character (`\\{`), every other character is literal. moto 5.2.5 calls Python's
    str.format, so any other brace (the JSON text Baton formats) raises KeyError."""
    self.argument_list.eval(env=env)
    args = env.stack.pop()
    template: str = args[0]
    values = [string_format.StringFormat._to_str_repr(v) for v in args[1:]]
    out: list[str] = []
    i = n = 0
    while i < len(template):
        if template[i] == "\\":
            # moto's lexer keeps the escaping backslashes (sometimes doubled): a run of them
            # escapes the character after it.
            j = i
            while j < len(template) and template[j] == "\\":
                j += 1
            if j < len(template):
                out.append(template[j])
            i = j + 1
        elif template.startswith("{}", i):
            out.append(values[n] if n < len(values) else "{}")
            n += 1
            i += 2
        else:
            out.append(template[i])
            i += 1
    env.stack.append("".join(out))


def patch_mock_test_cases() -> None:
    start_worker = Execution._get_start_execution_worker

    def with_mocks(self: Execution) -> Any:
        worker = start_worker(self)
        worker._mock_test_case = TEST_CASES[self.state_machine.name]
        return worker

    Execution._get_start_execution_worker = with_mocks


def entered_states(sfn: Any, execution_arn: str) -> list[str]:
    names: list[str] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        for event in page["events"]:
            details = event.get("stateEnteredEventDetails")
            if event["type"].endswith("StateEntered") and details:
                names.append(details["name"])
        if not page.get("nextToken"):
            return names
        kwargs["nextToken"] = page["nextToken"]


def run(sfn: Any, index: int, scenario: dict) -> dict:
    machine = f"parity-{index}"
    register_test_case(machine, "case", scenario["mocks"])
    arn = sfn.create_state_machine(name=machine, definition=scenario["definition"], roleArn=ROLE)[
        "stateMachineArn"
    ]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(scenario["input"]))
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    output = described.get("output")
    return {
        "name": scenario["name"],
        "status": described["status"],
        "output": json.loads(output) if output is not None else None,
        "error": described.get("error"),
        "cause": described.get("cause"),
        "entered": entered_states(sfn, execution["executionArn"]),
    }


def main() -> None:
    request = json.load(sys.stdin)
    patch_extract_json()
    patch_mock_test_cases()
    string_format.StringFormat._eval_body = format_body
    # Retry intervals are real sleeps in moto; the local side overrides them to zero, so here too.
    retrier_decl.time = SimpleNamespace(sleep=lambda _seconds: None)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        import boto3

        sfn = boto3.client("stepfunctions", region_name=REGION)
        results = [run(sfn, i, s) for i, s in enumerate(request["scenarios"])]
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
