"""Start MiniStack with test-only fixes for the gaps Baton's integration tests depend on.

Run with the integration venv's interpreter: `.venv-integration/bin/python ministack_launch.py`.
It takes the same environment as the `ministack` CLI (GATEWAY_PORT, BIND_HOST, STATE_DIR, ...).

Why (see .notes/ministack.md, gaps 1-2 and 11): MiniStack's Node.js warm worker reports every
error thrown by a handler as errorType "Runtime.HandlerError". AWS reports `error.name`, and Step
Functions matches `Retry`/`Catch` `ErrorEquals` against it, so Baton's `Baton.*` error names would
never match. The patch below makes the worker send `error.name` and the stack trace, and puts them
into the invoke result exactly as AWS does ({errorType, errorMessage, trace}). Function code runs
from a temp dir instead of /var/task, so environment values under /var/task are re-pointed there.

It also registers CloudFormation provisioners for three resource types MiniStack's CloudFormation
rejects ("Template format error: Unrecognized resource types: [...]") although its service APIs
implement them: AWS::Events::Archive, AWS::StepFunctions::StateMachineVersion and
AWS::StepFunctions::StateMachineAlias. Each calls MiniStack's own API handler, so the resources
exist and behave as when created through the API (StartExecution on an alias ARN works).

And it lets AWS::CloudWatch::Alarm take metric math (`Metrics`), which MiniStack's CloudFormation
refuses ("Properties.Metrics (metric math) is not supported; use MetricName and Namespace."): such
an alarm is stored with its `Metrics` and a stand-in metric nothing publishes, so it stays
INSUFFICIENT_DATA and never fires (MiniStack does not evaluate metric math anyway).

And it makes a child started by a `startExecution.sync` Task report its status changes, as a
standard child does on AWS: MiniStack runs nested `.sync` starts through StartSyncExecution (its
express-flavoured path), which emits no "Step Functions Execution Status Change" events, so the
child's record never saw its input or its start's state (`startedBy` of a child workflow).

Set BATON_MINISTACK_PATCHES=0 to run MiniStack unpatched (to check whether a gap still exists).
"""

import json
import logging
import os
import sys
import threading

PATCHES_ON = os.environ.get("BATON_MINISTACK_PATCHES", "1") != "0"


def _patch_node_worker() -> None:
    from ministack.core import lambda_runtime as runtime
    from ministack.services import lambda_svc

    script = runtime._NODEJS_WORKER_SCRIPT
    replacements = (
        (
            # Code runs from a temp dir, not /var/task: point environment values naming files in
            # /var/task (e.g. a bundled data file) at the code dir, as the code's location on AWS.
            "Object.assign(process.env, env || {});",
            "Object.assign(process.env, env || {}); "
            "for (const [k, v] of Object.entries(env || {})) { "
            'if (typeof v === "string" && (v === "/var/task" || v.startsWith("/var/task/"))) '
            "process.env[k] = code_dir + v.slice(9); }",
        ),
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


def _ok(response, what):
    status, _headers, body = response
    payload = json.loads(body) if body else {}
    if status >= 400:
        raise ValueError(f"{what} failed: {payload.get('message') or payload.get('Message') or payload}")
    return payload


def _register_cloudformation_types() -> None:
    from ministack.services import eventbridge as eb
    from ministack.services import stepfunctions as sfn
    from ministack.services.cloudformation import provisioners as cfn

    log = logging.getLogger("baton-patches")

    def quiet(fn, what):
        def delete(physical_id, _props):
            try:
                _ok(fn(physical_id), what)
            except ValueError as error:  # already gone: CloudFormation deletes idempotently
                log.info("%s: %s", what, error)

        return delete

    # --- AWS::Events::Archive (Ref: ArchiveName; GetAtt: Arn, ArchiveName) ---
    def archive_request(name, props):
        data = {
            "ArchiveName": name,
            "EventSourceArn": props.get("SourceArn", ""),
            "Description": props.get("Description", ""),
            "RetentionDays": int(props.get("RetentionDays", 0) or 0),
        }
        pattern = props.get("EventPattern")
        if pattern is not None:
            data["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        if props.get("KmsKeyIdentifier"):
            data["KmsKeyIdentifier"] = props["KmsKeyIdentifier"]
        return data

    def archive_create(logical_id, props, stack_name):
        name = props.get("ArchiveName") or cfn._physical_name(stack_name, logical_id, max_len=48)
        created = _ok(eb._create_archive(archive_request(name, props)), "CreateArchive")
        return name, {"Arn": created.get("ArchiveArn", ""), "ArchiveName": name}

    def archive_update(physical_id, old_props, new_props, stack_name):
        if new_props.get("SourceArn") != old_props.get("SourceArn") or (
            new_props.get("ArchiveName") != old_props.get("ArchiveName")
        ):
            archive_delete(physical_id, old_props)
            return archive_create(physical_id, new_props, stack_name)
        data = archive_request(physical_id, new_props)
        data.pop("EventSourceArn", None)
        updated = _ok(eb._update_archive(data), "UpdateArchive")
        arn = updated.get("ArchiveArn") or _ok(
            eb._describe_archive({"ArchiveName": physical_id}), "DescribeArchive"
        ).get("ArchiveArn", "")
        return physical_id, {"Arn": arn, "ArchiveName": physical_id}

    archive_delete = quiet(lambda pid: eb._delete_archive({"ArchiveName": pid}), "DeleteArchive")

    # --- AWS::StepFunctions::StateMachineVersion (Ref and GetAtt Arn: the version ARN) ---
    def version_create(_logical_id, props, _stack_name):
        data = {"stateMachineArn": props.get("StateMachineArn", "")}
        if props.get("Description"):
            data["description"] = props["Description"]
        published = _ok(sfn._publish_state_machine_version(data), "PublishStateMachineVersion")
        arn = published["stateMachineVersionArn"]
        return arn, {"Arn": arn}

    version_delete = quiet(
        lambda pid: sfn._delete_state_machine_version({"stateMachineVersionArn": pid}),
        "DeleteStateMachineVersion",
    )

    # --- AWS::StepFunctions::StateMachineAlias (Ref and GetAtt Arn: the alias ARN) ---
    def routing(props):
        config = props.get("RoutingConfiguration")
        if config:
            return [
                {"stateMachineVersionArn": r["StateMachineVersionArn"], "weight": int(r["Weight"])}
                for r in config
            ]
        preference = props.get("DeploymentPreference") or {}
        # Every deployment type ends with all traffic on the new version; tests see that end state.
        return [{"stateMachineVersionArn": preference["StateMachineVersionArn"], "weight": 100}]

    def alias_create(logical_id, props, stack_name):
        name = props.get("Name") or cfn._physical_name(stack_name, logical_id, max_len=80)
        data = {"name": name, "routingConfiguration": routing(props)}
        if props.get("Description"):
            data["description"] = props["Description"]
        created = _ok(sfn._create_state_machine_alias(data), "CreateStateMachineAlias")
        arn = created["stateMachineAliasArn"]
        return arn, {"Arn": arn}

    def alias_update(physical_id, old_props, new_props, stack_name):
        if new_props.get("Name") != old_props.get("Name"):
            alias_delete(physical_id, old_props)
            return alias_create(physical_id, new_props, stack_name)
        data = {"stateMachineAliasArn": physical_id, "routingConfiguration": routing(new_props)}
        if "Description" in new_props:
            data["description"] = new_props["Description"]
        _ok(sfn._update_state_machine_alias(data), "UpdateStateMachineAlias")
        return physical_id, {"Arn": physical_id}

    alias_delete = quiet(
        lambda pid: sfn._delete_state_machine_alias({"stateMachineAliasArn": pid}),
        "DeleteStateMachineAlias",
    )

    added = {
        "AWS::Events::Archive": {
            "create": archive_create,
            "update": archive_update,
            "delete": archive_delete,
        },
        "AWS::StepFunctions::StateMachineVersion": {
            "create": version_create,
            "delete": version_delete,
        },
        "AWS::StepFunctions::StateMachineAlias": {
            "create": alias_create,
            "update": alias_update,
            "delete": alias_delete,
        },
    }
    original_alarm_record = cfn._cw_metric_alarm_record

    def alarm_record(name, props):
        metrics = props.get("Metrics")
        if not metrics:
            return original_alarm_record(name, props)
        stand_in = {key: value for key, value in props.items() if key != "Metrics"}
        stand_in["Namespace"] = "Baton/Emulator/MetricMath"
        stand_in["MetricName"] = name
        alarm = original_alarm_record(name, stand_in)
        alarm["Metrics"] = metrics
        return alarm

    cfn._cw_metric_alarm_record = alarm_record

    for resource_type, handler in added.items():
        if resource_type in cfn._RESOURCE_HANDLERS:
            continue  # MiniStack supports it natively now: prefer its own provisioner
        cfn._RESOURCE_HANDLERS[resource_type] = handler


def _patch_nested_status_events() -> None:
    import contextvars

    from ministack.services import stepfunctions as sfn

    for name in ("_invoke_nested_start_execution_sync", "_emit_execution_status_event",
                 "_run_execution", "_executions", "_state_machines"):
        if not hasattr(sfn, name):
            raise SystemExit(
                f"ministack_launch.py: MiniStack's stepfunctions.{name} is gone; the nested status "
                "events patch no longer applies. Re-check the gap and update the patch."
            )
    nested = contextvars.ContextVar("baton_nested_sync_start", default=False)
    original_nested = sfn._invoke_nested_start_execution_sync
    original_emit = sfn._emit_execution_status_event
    original_run = sfn._run_execution

    def standard_child(execution) -> bool:
        machine = sfn._state_machines.get(execution.get("stateMachineArn"), {})
        return bool(nested.get() and execution.get("sync")) and machine.get("type") != "EXPRESS"

    def invoke_nested(resource, input_data):
        token = nested.set(True)
        try:
            return original_nested(resource, input_data)
        finally:
            nested.reset(token)

    def emit(execution) -> None:
        # A standard child emits its status changes on AWS (express ones do not).
        original_emit({**execution, "sync": False} if standard_child(execution) else execution)

    def run_execution(exec_arn):
        execution = sfn._executions.get(exec_arn)
        if execution is not None and execution.get("status") == "RUNNING" and standard_child(execution):
            emit(execution)  # the RUNNING change AWS reports when the child starts
        return original_run(exec_arn)

    sfn._invoke_nested_start_execution_sync = invoke_nested
    sfn._emit_execution_status_event = emit
    sfn._run_execution = run_execution


def main() -> None:
    if PATCHES_ON:
        _patch_node_worker()
        _register_cloudformation_types()
        _patch_nested_status_events()
    from ministack.app import main as ministack_main

    sys.argv = ["ministack"]
    sys.exit(ministack_main())


if __name__ == "__main__":
    main()
