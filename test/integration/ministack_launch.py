"""Start MiniStack with test-only fixes for the gaps Baton's integration tests depend on.

Run with the integration venv's interpreter: `.venv-integration/bin/python ministack_launch.py`.
It takes the same environment as the `ministack` CLI (GATEWAY_PORT, BIND_HOST, STATE_DIR, ...).

Why (see .notes/ministack.md, "Lambda error names"): MiniStack's Node.js warm worker reports every
error thrown by a handler as errorType "Runtime.HandlerError". AWS reports `error.name`, and Step
Functions matches `Retry`/`Catch` `ErrorEquals` against it, so Baton's `Baton.*` error names would
never match. The patch below makes the worker send `error.name` and the stack trace, and puts them
into the invoke result exactly as AWS does ({errorType, errorMessage, trace}).

Set BATON_MINISTACK_PATCHES=0 to run MiniStack unpatched (to check whether a gap still exists).
"""

import os
import sys
import threading

PATCHES_ON = os.environ.get("BATON_MINISTACK_PATCHES", "1") != "0"


def _patch_lambda_error_type() -> None:
    from ministack.core import lambda_runtime as runtime
    from ministack.services import lambda_svc

    script = runtime._NODEJS_WORKER_SCRIPT
    replacements = (
        (
            'status: "error", error: String(err.message || err), trace: err.stack || ""',
            'status: "error", error: String(err.message || err), trace: err.stack || "", '
            'errorType: (err && err.name) || "Error"',
        ),
        (
            'status: "error", error: e.message, trace: e.stack',
            'status: "error", error: e.message, trace: e.stack, errorType: (e && e.name) || "Error"',
        ),
    )
    for old, new in replacements:
        if old not in script:
            raise SystemExit(
                "ministack_launch.py: MiniStack's Node.js worker changed; the errorType patch no "
                "longer applies. Re-check the gap and update the patch (see .notes/ministack.md)."
            )
        script = script.replace(old, new)
    runtime._NODEJS_WORKER_SCRIPT = script

    last = threading.local()
    original_invoke = runtime.Worker.invoke

    def invoke(self, *args, **kwargs):
        response = original_invoke(self, *args, **kwargs)
        last.error_type = response.get("errorType") if isinstance(response, dict) else None
        last.trace = response.get("trace") if isinstance(response, dict) else None
        return response

    runtime.Worker.invoke = invoke

    original_warm = lambda_svc._execute_function_warm

    def execute_function_warm(func, event, request_id):
        last.error_type = None
        last.trace = None
        result = original_warm(func, event, request_id)
        body = result.get("body") if isinstance(result, dict) else None
        error_type = getattr(last, "error_type", None)
        if (
            result.get("error")
            and isinstance(body, dict)
            and body.get("errorType") == "Runtime.HandlerError"
            and isinstance(error_type, str)
            and error_type
        ):
            trace = getattr(last, "trace", None)
            result["body"] = {
                "errorType": error_type,
                "errorMessage": body.get("errorMessage", ""),
                "trace": trace.split("\n") if isinstance(trace, str) and trace else [],
            }
        return result

    lambda_svc._execute_function_warm = execute_function_warm


def main() -> None:
    if PATCHES_ON:
        _patch_lambda_error_type()
    from ministack.app import main as ministack_main

    sys.argv = ["ministack"]
    sys.exit(ministack_main())


if __name__ == "__main__":
    main()
