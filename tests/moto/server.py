"""The moto IAM emulator, in-process, with a few test controls.

Runs moto's server app on 127.0.0.1 (a free port unless --port is given),
prints `PORT <n>` on stdout once it listens, and exits when its stdin closes
(so a test that dies leaves no server behind).

Controls, all `POST` with a JSON body, under `/_secretary/`:

- `populate`: create users, groups, roles, policies, keys, passwords, MFA
  devices and the password policy through the IAM API itself (boto3 against
  this server). See `populate()` for the fields.
- `backdate`: moto stamps keys and users with the current time; this sets
  the dates the credential report shows, on moto's own objects:
  `{"user": "alice", "key": 1, "created": "2025-01-01T00:00:00Z",
    "last_used": "...", "password_last_used": "...", "user_created": "..."}`
  (`key` is the 1-based slot; omitted fields stay as they are).
- `fault`: make an IAM action fail: `{"action": "GetCredentialReport",
  "fault": "deny" | "throttle" | "hang" | "never-ready" | null}`. `deny`
  answers 403 AccessDenied, `throttle` 400 Throttling on every attempt,
  `hang` never answers in time, `never-ready` keeps the credential report
  in progress (set it on both GenerateCredentialReport, which then answers
  STARTED, and GetCredentialReport, which answers ReportInProgress).
- `reset`: forget every IAM resource, fault and recorded call.
- `calls`: the IAM actions received so far, in order.

Environment: MOTO_IAM_LOAD_MANAGED_POLICIES=true is set here so that
AWS-managed policies (AdministratorAccess, ...) exist.
"""

import argparse
import datetime
import json
import os
import sys
import threading
import time
from urllib.parse import parse_qs

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

import boto3  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402

ACCOUNT = "123456789012"
FAULTS = {}
CALLS = []
STATE = {"port": None}


def backend():
    from moto.iam.models import iam_backends

    return iam_backends[ACCOUNT]["aws"]


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(
        tzinfo=None
    )


def client():
    return boto3.client(
        "iam",
        endpoint_url=f"http://127.0.0.1:{STATE['port']}",
        region_name="us-east-1",
    )


def populate(spec):
    """Creates what `spec` describes, through the IAM API.

    spec = {
      "policies": [{"name", "document"}],            # customer managed
      "groups": [{"name", "policies": [arn|name], "inline": {name: document}}],
      "users": [{"name", "groups": [..], "policies": [..], "inline": {..},
                 "keys": 0|1|2, "inactive_keys": [slot], "password": bool,
                 "mfa": bool}],
      "roles": [{"name", "path", "trust": document, "policies": [..], "inline": {..}}],
      "password_policy": {"MinimumPasswordLength": 8, ...} | null,
      "bulk": {"users": 1000, "keys": 2},                # benchmarks
    }
    Policy references without `arn:` are customer-managed policy names.
    Returns the secrets it made (secret access keys, passwords), for canaries.
    """
    iam = client()
    secrets = []

    def arn(ref):
        if ref.startswith("arn:"):
            return ref
        return f"arn:aws:iam::{ACCOUNT}:policy/{ref}"

    for p in spec.get("policies", []):
        iam.create_policy(PolicyName=p["name"], PolicyDocument=json.dumps(p["document"]))
    for g in spec.get("groups", []):
        iam.create_group(GroupName=g["name"])
        for ref in g.get("policies", []):
            iam.attach_group_policy(GroupName=g["name"], PolicyArn=arn(ref))
        for name, doc in g.get("inline", {}).items():
            iam.put_group_policy(GroupName=g["name"], PolicyName=name, PolicyDocument=json.dumps(doc))
    for u in spec.get("users", []):
        iam.create_user(UserName=u["name"])
        for group in u.get("groups", []):
            iam.add_user_to_group(GroupName=group, UserName=u["name"])
        for ref in u.get("policies", []):
            iam.attach_user_policy(UserName=u["name"], PolicyArn=arn(ref))
        for name, doc in u.get("inline", {}).items():
            iam.put_user_policy(UserName=u["name"], PolicyName=name, PolicyDocument=json.dumps(doc))
        ids = []
        for _ in range(u.get("keys", 0)):
            key = iam.create_access_key(UserName=u["name"])["AccessKey"]
            ids.append(key["AccessKeyId"])
            secrets.append(key["SecretAccessKey"])
        for slot in u.get("inactive_keys", []):
            iam.update_access_key(UserName=u["name"], AccessKeyId=ids[slot - 1], Status="Inactive")
        if u.get("password"):
            password = f"Canary-{u['name']}-Passw0rd!"
            iam.create_login_profile(UserName=u["name"], Password=password)
            secrets.append(password)
        if u.get("mfa"):
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=u["name"])[
                "VirtualMFADevice"
            ]["SerialNumber"]
            iam.enable_mfa_device(
                UserName=u["name"], SerialNumber=serial,
                AuthenticationCode1="123456", AuthenticationCode2="654321",
            )
    for r in spec.get("roles", []):
        trust = r.get("trust") or {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
        iam.create_role(RoleName=r["name"], Path=r.get("path", "/"), AssumeRolePolicyDocument=json.dumps(trust))
        for ref in r.get("policies", []):
            iam.attach_role_policy(RoleName=r["name"], PolicyArn=arn(ref))
        for name, doc in r.get("inline", {}).items():
            iam.put_role_policy(RoleName=r["name"], PolicyName=name, PolicyDocument=json.dumps(doc))
    if spec.get("password_policy"):
        iam.update_account_password_policy(**spec["password_policy"])
    bulk = spec.get("bulk")
    if bulk:  # {"users": N, "keys": K}: many plain users, for benchmarks
        for i in range(bulk["users"]):
            name = f"user-{i:05}"
            iam.create_user(UserName=name)
            for _ in range(bulk.get("keys", 0)):
                iam.create_access_key(UserName=name)
    return {"secrets": secrets}


def backdate(spec):
    user = backend().users[spec["user"]]
    if "user_created" in spec:
        user.create_date = parse_time(spec["user_created"])
    if "password_last_used" in spec:
        user.password_last_used = parse_time(spec["password_last_used"])
    if "key" in spec:
        key = user.access_keys[spec["key"] - 1]
        if "created" in spec:
            key.create_date = parse_time(spec["created"])
        if "last_used" in spec:
            key.last_used = parse_time(spec["last_used"])


ERROR = """<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"""


class Controls:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_secretary/"):
            return self.control(path[len("/_secretary/"):], environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        import io

        environ["wsgi.input"] = io.BytesIO(body)
        action = (parse_qs(body.decode("utf-8", "replace")).get("Action") or [""])[0]
        if action:
            CALLS.append(action)
        fault = FAULTS.get(action)
        if fault == "deny":
            return self.error(start_response, "403 Forbidden", "AccessDenied",
                              f"User: arn:aws:iam::{ACCOUNT}:user/auditor is not authorized to perform: iam:{action} on resource: *")
        if fault == "throttle":
            return self.error(start_response, "400 Bad Request", "Throttling", "Rate exceeded")
        if fault == "hang":
            time.sleep(30)
        if fault == "never-ready" and action == "GetCredentialReport":
            return self.error(start_response, "404 Not Found", "ReportInProgress",
                              "Report generation is in progress")
        if fault == "never-ready" and action == "GenerateCredentialReport":
            start_response("200 OK", [("Content-Type", "text/xml")])
            return [b"""<GenerateCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GenerateCredentialReportResult><State>STARTED</State><Description>No report exists. Starting a new report generation task</Description></GenerateCredentialReportResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GenerateCredentialReportResponse>"""]
        return self.app(environ, start_response)

    def error(self, start_response, status, code, message):
        start_response(status, [("Content-Type", "text/xml")])
        return [ERROR.format(code=code, message=message).encode()]

    def control(self, name, environ, start_response):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            spec = json.loads(environ["wsgi.input"].read(length) or b"null")
            result = None
            if name == "reset":
                from moto.iam.models import iam_backends

                iam_backends.reset()
                FAULTS.clear()
                CALLS.clear()
            elif name == "populate":
                result = populate(spec)
            elif name == "backdate":
                for item in spec if isinstance(spec, list) else [spec]:
                    backdate(item)
            elif name == "fault":
                if spec.get("fault"):
                    FAULTS[spec["action"]] = spec["fault"]
                else:
                    FAULTS.pop(spec["action"], None)
            elif name == "calls":
                result = CALLS
            else:
                raise ValueError(f"unknown control {name}")
            payload = json.dumps(result).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        except Exception as err:  # a test's mistake: say what it was
            payload = f"{type(err).__name__}: {err}".encode()
            start_response("500 Internal Server Error", [("Content-Type", "text/plain"), ("Content-Length", str(len(payload)))])
            return [payload]


def watch_stdin():
    sys.stdin.read()
    os._exit(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    app = Controls(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    STATE["port"] = server.port
    threading.Thread(target=watch_stdin, daemon=True).start()
    print(f"PORT {server.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
