"""The moto IAM, Secrets Manager and SSM emulator, in-process, with a few
test controls.

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
  Secrets Manager and SSM actions take the same faults (answered as their
  JSON protocol does: AccessDeniedException, ThrottlingException), plus
  `truncate` (the answer's body cut in half) and an optional `"item"`: the
  one secret whose `GetResourcePolicy` (or `ListSecretVersionIds`) fails.
- `populate` also takes `"secrets"` and `"parameters"` (see
  `populate_stores()`): secrets with a value (a canary), tags, KMS key,
  rotation, resource policy and owning service, and parameters of each type,
  per region.
- `backdate` also takes `{"secret": "prod/db", "region": "eu-west-1",
  "created", "last_changed", "last_rotated", "last_accessed",
  "version_created"}`: moto stamps secrets with the current time and never
  reports LastAccessedDate; this sets them on moto's own objects.
- `reset`: forget every IAM resource, secret, parameter, fault and recorded
  call.
- `calls`: the actions received so far, in order: IAM's by name
  (`GetCredentialReport`), the others as permissions
  (`secretsmanager:ListSecrets`, `ssm:DescribeParameters`).

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
APPS = {}
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


def epoch(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def secrets_backend(region):
    from moto.secretsmanager.models import secretsmanager_backends

    return secretsmanager_backends[ACCOUNT][region]


def patch_moto():
    """What moto does not report: LastAccessedDate, a rotation
    ScheduleExpression, OwningService, and versions' own creation dates
    (moto answers ListSecretVersionIds with the current time)."""
    from moto.secretsmanager import models as sm

    to_dict = sm.FakeSecret.to_dict

    def patched_to_dict(self):
        d = to_dict(self)
        extra = getattr(self, "secretary", {})
        for key in ("LastAccessedDate", "OwningService"):
            if key in extra:
                d[key] = extra[key]
        if "ScheduleExpression" in extra:
            d["RotationRules"] = {"ScheduleExpression": extra["ScheduleExpression"]}
        return {k: v for k, v in d.items() if v is not None}

    sm.FakeSecret.to_dict = patched_to_dict
    versions = sm.SecretsManagerBackend.list_secret_version_ids

    def patched_versions(self, secret_id):
        out = json.loads(versions(self, secret_id))
        secret = self.secrets[secret_id]
        for v in out.get("Versions", []):
            created = secret.versions.get(v["VersionId"], {}).get("createdate")
            if created:
                v["CreatedDate"] = created
        return json.dumps(out)

    sm.SecretsManagerBackend.list_secret_version_ids = patched_versions


def store_client(service, region):
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{STATE['port']}",
        region_name=region,
    )


def populate_stores(spec):
    """Creates secrets and parameters through their APIs.

    "secrets": [{"name", "region" (us-east-1), "value" (default: a canary),
                 "tags": {k: v}, "kms_key_id", "policy": document,
                 "rotation": {"days": N | "schedule": "rate(...)",
                              "enabled": bool (true)},
                 "owning_service": "rds"}],
    "parameters": [{"name", "region", "type" (SecureString), "value",
                    "key_id"}],
    "bulk_secrets": {"count": N, "regions": [..], "prefix": "bulk/"}: every
    other one changed a day after its creation.
    Returns the values stored (canaries).
    """
    values = []
    for s in spec.get("secrets", []):
        region = s.get("region", "us-east-1")
        sm = store_client("secretsmanager", region)
        value = s.get("value") or f"Canary-secret-{s['name']}-Zx9!"
        args = {"Name": s["name"], "SecretString": value}
        if s.get("tags"):
            args["Tags"] = [{"Key": k, "Value": v} for k, v in s["tags"].items()]
        if s.get("kms_key_id"):
            args["KmsKeyId"] = s["kms_key_id"]
        sm.create_secret(**args)
        values.append(value)
        if s.get("policy"):
            sm.put_resource_policy(SecretId=s["name"], ResourcePolicy=json.dumps(s["policy"]))
        secret = secrets_backend(region).secrets[s["name"]]
        secret.secretary = {}
        rotation = s.get("rotation")
        if rotation:
            secret.rotation_requested = True
            secret.rotation_enabled = rotation.get("enabled", True)
            secret.rotation_lambda_arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:rotate"
            secret.auto_rotate_after_days = rotation.get("days", 0)
            if rotation.get("schedule"):
                secret.secretary["ScheduleExpression"] = rotation["schedule"]
        if s.get("owning_service"):
            secret.secretary["OwningService"] = s["owning_service"]
    for p in spec.get("parameters", []):
        ssm = store_client("ssm", p.get("region", "us-east-1"))
        value = p.get("value") or f"Canary-parameter-{p['name']}-Qw7!"
        args = {"Name": p["name"], "Value": value, "Type": p.get("type", "SecureString")}
        if p.get("key_id"):
            args["KeyId"] = p["key_id"]
        ssm.put_parameter(**args)
        values.append(value)
    bulk = spec.get("bulk_secrets")
    if bulk:
        for region in bulk.get("regions", ["us-east-1"]):
            sm = store_client("secretsmanager", region)
            for i in range(bulk["count"]):
                name = f"{bulk.get('prefix', 'bulk/')}{i:05}"
                sm.create_secret(Name=name, SecretString=f"bulk-canary-{i}")
                if i % 2:  # every other secret changed a day after its creation
                    secret = secrets_backend(region).secrets[name]
                    secret.last_changed_date = secret.created_date + 86400
    return values


def backdate_secret(spec):
    secret = secrets_backend(spec.get("region", "us-east-1")).secrets[spec["secret"]]
    extra = getattr(secret, "secretary", None)
    if extra is None:
        extra = secret.secretary = {}
    if "created" in spec:
        secret.created_date = epoch(spec["created"])
    if "last_changed" in spec:
        secret.last_changed_date = epoch(spec["last_changed"])
    if "last_rotated" in spec:
        secret.last_rotation_date = epoch(spec["last_rotated"])
    if "last_accessed" in spec:
        extra["LastAccessedDate"] = epoch(spec["last_accessed"])
    if "version_created" in spec:
        for version in secret.versions.values():
            if "AWSCURRENT" in version.get("version_stages", []):
                version["createdate"] = epoch(spec["version_created"])


def backdate(spec):
    if "secret" in spec:
        return backdate_secret(spec)
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


JSON_ERROR = {"deny": ("AccessDeniedException", "User: arn:aws:iam::%s:user/auditor is not authorized to perform: {action} on resource: *" % ACCOUNT),
              "throttle": ("ThrottlingException", "Rate exceeded")}


def secret_named(secret_id, item):
    """Whether `SecretId` (a name or an ARN) names the secret `item`."""
    if secret_id == item:
        return True
    resource = secret_id.split(":secret:", 1)[-1]
    return resource.startswith(item + "-") and len(resource) == len(item) + 7


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
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if "." in target:
            return self.json_service(target, body, environ, start_response)
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

    def json_service(self, target, body, environ, start_response):
        """Secrets Manager and SSM (awsJson): record, fault, answer."""
        prefix, name = target.split(".", 1)
        action = f"{'ssm' if prefix == 'AmazonSSM' else prefix.lower()}:{name}"
        CALLS.append(action)
        fault = FAULTS.get(name)
        if isinstance(fault, dict):
            request = json.loads(body or b"{}")
            fault = fault["fault"] if secret_named(request.get("SecretId", ""), fault["item"]) else None
        if fault in JSON_ERROR:
            code, message = JSON_ERROR[fault]
            payload = json.dumps({"__type": code, "message": message.format(action=action)}).encode()
            start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload)))])
            return [payload]
        if fault == "hang":
            time.sleep(30)
        if fault == "truncate":
            captured = {}

            def capture(status, headers, exc_info=None):
                captured["status"], captured["headers"] = status, headers

            whole = b"".join(self.app(environ, capture))
            cut = whole[: len(whole) // 2]
            headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
            start_response(captured["status"], headers + [("Content-Length", str(len(cut)))])
            return [cut]
        # moto finds a request's service under one lock, scanning every
        # service it emulates (most of its time per request): the app of
        # each JSON service is found once, then reused (it reads the region
        # of each request from its signature).
        app = APPS.get(prefix)
        if app is None:
            app = APPS[prefix] = self.app.get_application(environ)
        return app(environ, start_response)

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

                from moto.secretsmanager.models import secretsmanager_backends
                from moto.ssm.models import ssm_backends

                iam_backends.reset()
                secretsmanager_backends.reset()
                ssm_backends.reset()
                FAULTS.clear()
                CALLS.clear()
            elif name == "populate":
                result = populate(spec)
                result["secrets"] += populate_stores(spec)
            elif name == "backdate":
                for item in spec if isinstance(spec, list) else [spec]:
                    backdate(item)
            elif name == "fault":
                if spec.get("fault") and spec.get("item"):
                    FAULTS[spec["action"]] = {"fault": spec["fault"], "item": spec["item"]}
                elif spec.get("fault"):
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
    patch_moto()
    app = Controls(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    STATE["port"] = server.port
    threading.Thread(target=watch_stdin, daemon=True).start()
    print(f"PORT {server.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
