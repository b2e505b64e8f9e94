"""A fake IAM endpoint for fault tests: Python's standard library only.

Listens on 127.0.0.1 (a free port), prints `PORT <n>` once it listens, and
exits when its stdin closes (so a test that dies leaves no server behind).

The first part of the request path names the scenario: point the client at
`http://127.0.0.1:<port>/<scenario>` (`--endpoint-url`). `healthy` answers
every call the collector makes (GenerateCredentialReport,
GetCredentialReport, GetAccountAuthorizationDetails, GetAccountSummary,
GetAccountPasswordPolicy) for account 111122223333 as AWS writes them: the
same account as `tests/fixtures/iam/clean-snapshot.json`, with a credential
report in the documented format holding every placeholder AWS writes
(`N/A`, `no_information`, `not_supported`, the `<root_account>` row) and a
column AWS may add later. Every other scenario answers one call wrongly
(see SCENARIOS) and the rest as `healthy` does. The server keeps no state:
each answer depends only on the scenario and the request.
"""

import base64
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote

ACCOUNT = "111122223333"
NS = "https://iam.amazonaws.com/doc/2010-05-08/"

# The documented columns, in AWS's order, then one AWS may add later.
COLUMNS = [
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used",
    "password_last_changed", "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
    "a_column_aws_may_add",
]

ROWS = [
    # The root user: `not_supported` where AWS writes it, `N/A` for no key,
    # `no_information` for a password never used to sign in.
    ["<root_account>", f"arn:aws:iam::{ACCOUNT}:root", "2019-04-02T11:20:31+00:00",
     "not_supported", "no_information", "not_supported", "not_supported", "true",
     "false", "N/A", "N/A", "N/A", "N/A",
     "false", "N/A", "N/A", "N/A", "N/A",
     "false", "N/A", "false", "N/A", "N/A"],
    # A CI user: no password (`N/A`), one active key, one inactive key.
    ["deployer", f"arn:aws:iam::{ACCOUNT}:user/deployer", "2025-01-10T09:00:00+00:00",
     "false", "N/A", "N/A", "N/A", "false",
     "true", "2026-11-01T08:00:00+00:00", "2026-11-22T07:00:00+00:00", "us-east-1", "s3",
     "false", "2026-01-01T08:00:00+00:00", "2026-02-01T07:00:00+00:00", "N/A", "s3",
     "false", "N/A", "false", "N/A", "whatever AWS writes"],
    # A console user with MFA.
    ["ops", f"arn:aws:iam::{ACCOUNT}:user/ops", "2024-03-01T09:00:00+00:00",
     "true", "2026-11-21T10:00:00+00:00", "2026-06-01T10:00:00+00:00", "2027-05-29T10:00:00+00:00", "true",
     "false", "N/A", "N/A", "N/A", "N/A",
     "false", "N/A", "N/A", "N/A", "N/A",
     "false", "N/A", "false", "N/A", "N/A"],
]


def csv(columns, rows):
    return "\n".join(",".join(row) for row in [columns] + rows) + "\n"


def with_cell(user, column, value, columns=COLUMNS, rows=ROWS):
    """The rows with one cell of `user`'s row replaced."""
    index = columns.index(column)
    return [
        row[:index] + [value] + row[index + 1:] if row[0] == user else row
        for row in rows
    ]


def without_column(column):
    index = COLUMNS.index(column)
    return csv(
        COLUMNS[:index] + COLUMNS[index + 1:],
        [row[:index] + row[index + 1:] for row in ROWS],
    )


HEALTHY_REPORT = csv(COLUMNS, ROWS)


def enc(document):
    """A policy document URL-encoded, as AWS sends it."""
    return quote(document, safe="")


DEPLOY_SITE = ('{"Version":"2012-10-17","Statement":['
               '{"Sid":"Upload","Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::site/*"},'
               '{"Sid":"Invalidate","Effect":"Allow","Action":"cloudfront:CreateInvalidation","Resource":"*"}]}')
READ_ONLY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","iam:Get*","iam:List*"],"Resource":"*"}]}'
BEDROCK = ('{"Version":"2012-10-17","Statement":['
           '{"Sid":"Invoke","Effect":"Allow","Action":["bedrock:InvokeModel","bedrock:InvokeModelWithResponseStream"],"Resource":"*"},'
           f'{{"Sid":"Secrets","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app/*"}},'
           '{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}')
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}'


def user_xml(name="deployer", arn=f"arn:aws:iam::{ACCOUNT}:user/deployer"):
    return (f"<member><Path>/</Path><UserName>{name}</UserName><UserId>AIDAEXAMPLEDEPLOYER</UserId>"
            f"<Arn>{arn}</Arn><CreateDate>2025-01-10T09:00:00Z</CreateDate>"
            "<GroupList><member>deployers</member></GroupList><AttachedManagedPolicies/><UserPolicyList/></member>")


def ops_xml():
    return (f"<member><Path>/</Path><UserName>ops</UserName><UserId>AIDAEXAMPLEOPS</UserId>"
            f"<Arn>arn:aws:iam::{ACCOUNT}:user/ops</Arn><CreateDate>2024-03-01T09:00:00Z</CreateDate>"
            "<GroupList><member>operators</member></GroupList><AttachedManagedPolicies/><UserPolicyList/></member>")


def app_role_xml(inline=BEDROCK):
    return (f"<member><Path>/</Path><RoleName>app-task</RoleName><RoleId>AROAEXAMPLEAPP</RoleId>"
            f"<Arn>arn:aws:iam::{ACCOUNT}:role/app-task</Arn><CreateDate>2025-01-10T09:00:00Z</CreateDate>"
            f"<AssumeRolePolicyDocument>{enc(TRUST)}</AssumeRolePolicyDocument>"
            f"<RolePolicyList><member><PolicyName>bedrock</PolicyName><PolicyDocument>{enc(inline)}</PolicyDocument></member></RolePolicyList>"
            "<AttachedManagedPolicies/><RoleLastUsed/></member>")


SUPPORT_ROLE = (f"<member><Path>/aws-service-role/support.amazonaws.com/</Path><RoleName>AWSServiceRoleForSupport</RoleName>"
                f"<RoleId>AROAEXAMPLESUPPORT</RoleId><Arn>arn:aws:iam::{ACCOUNT}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport</Arn>"
                "<CreateDate>2019-04-02T11:20:31Z</CreateDate><RolePolicyList/><AttachedManagedPolicies/><RoleLastUsed/></member>")

GROUPS = (f"<member><Path>/</Path><GroupName>deployers</GroupName><GroupId>AGPAEXAMPLEDEPLOY</GroupId>"
          f"<Arn>arn:aws:iam::{ACCOUNT}:group/deployers</Arn><CreateDate>2025-01-10T09:00:00Z</CreateDate><GroupPolicyList/>"
          f"<AttachedManagedPolicies><member><PolicyName>deploy-site</PolicyName><PolicyArn>arn:aws:iam::{ACCOUNT}:policy/deploy-site</PolicyArn></member></AttachedManagedPolicies></member>"
          f"<member><Path>/</Path><GroupName>operators</GroupName><GroupId>AGPAEXAMPLEOPS</GroupId>"
          f"<Arn>arn:aws:iam::{ACCOUNT}:group/operators</Arn><CreateDate>2024-03-01T09:00:00Z</CreateDate><GroupPolicyList/>"
          "<AttachedManagedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedManagedPolicies></member>")


def managed_xml(name, arn, document):
    return (f"<member><PolicyName>{name}</PolicyName><PolicyId>ANPAEXAMPLE</PolicyId><Arn>{arn}</Arn><Path>/</Path>"
            "<DefaultVersionId>v1</DefaultVersionId><AttachmentCount>1</AttachmentCount><IsAttachable>true</IsAttachable>"
            f"<PolicyVersionList><member><Document>{enc(document)}</Document><VersionId>v1</VersionId>"
            "<IsDefaultVersion>true</IsDefaultVersion><CreateDate>2025-01-10T09:00:00Z</CreateDate></member></PolicyVersionList></member>")


def response(action, result):
    return (f'<{action}Response xmlns="{NS}"><{action}Result>{result}</{action}Result>'
            f"<ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></{action}Response>").encode()


def details(users=None, roles=None, policies=None, truncated=False, marker=None):
    users = user_xml() + ops_xml() if users is None else users
    roles = app_role_xml() + SUPPORT_ROLE if roles is None else roles
    policies = (managed_xml("deploy-site", f"arn:aws:iam::{ACCOUNT}:policy/deploy-site", DEPLOY_SITE)
                if policies is None else policies)
    tail = f"<Marker>{marker}</Marker>" if marker else ""
    return response("GetAccountAuthorizationDetails",
                    f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
                    f"<UserDetailList>{users}</UserDetailList><GroupDetailList>{GROUPS}</GroupDetailList>"
                    f"<RoleDetailList>{roles}</RoleDetailList><Policies>{policies}</Policies>{tail}")


AWS_MANAGED = response(
    "GetAccountAuthorizationDetails",
    "<IsTruncated>false</IsTruncated><UserDetailList/><GroupDetailList/><RoleDetailList/>"
    f"<Policies>{managed_xml('ReadOnlyAccess', 'arn:aws:iam::aws:policy/ReadOnlyAccess', READ_ONLY)}</Policies>")


def summary(entries=(("AccountMFAEnabled", 1), ("AccountAccessKeysPresent", 0), ("Users", 2), ("Roles", 2))):
    body = "".join(f"<entry><key>{k}</key><value>{v}</value></entry>" for k, v in entries)
    return response("GetAccountSummary", f"<SummaryMap>{body}</SummaryMap>")


def report(text, fmt="text/csv"):
    content = base64.b64encode(text.encode()).decode()
    return response("GetCredentialReport",
                    f"<Content>{content}</Content><ReportFormat>{fmt}</ReportFormat>"
                    "<GeneratedTime>2026-11-22T12:00:00Z</GeneratedTime>")


HEALTHY = {
    "GenerateCredentialReport": response(
        "GenerateCredentialReport", "<State>COMPLETE</State><Description>No report exists.</Description>"),
    "GetCredentialReport": report(HEALTHY_REPORT),
    "GetAccountSummary": summary(),
    "GetAccountPasswordPolicy": response(
        "GetAccountPasswordPolicy",
        "<PasswordPolicy><AllowUsersToChangePassword>true</AllowUsersToChangePassword>"
        "<RequireLowercaseCharacters>true</RequireLowercaseCharacters><RequireUppercaseCharacters>true</RequireUppercaseCharacters>"
        "<MinimumPasswordLength>14</MinimumPasswordLength><RequireNumbers>true</RequireNumbers>"
        "<PasswordReusePrevention>24</PasswordReusePrevention><RequireSymbols>true</RequireSymbols>"
        "<ExpirePasswords>true</ExpirePasswords><MaxPasswordAge>90</MaxPasswordAge></PasswordPolicy>"),
}

STALL = "stall"


def deep_document(depth):
    return '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":' + "[" * depth + '"*"' + "]" * depth + "}]}"


# Scenario -> {action: answer}; an answer is bytes, STALL, or a function of
# the request's parameters. Calls a scenario does not name answer healthily.
SCENARIOS = {
    "healthy": {},
    # Answers cut short, or not IAM's answer at all.
    "summary-truncated": {"GetAccountSummary": summary()[:150]},
    "summary-empty": {"GetAccountSummary": summary(entries=())},
    "details-truncated": {"GetAccountAuthorizationDetails": lambda p: details()[:700]},
    "details-html": {"GetAccountAuthorizationDetails": b"<html><head><title>Gateway</title></head><body>Try again</body></html>"},
    "password-policy-empty-body": {"GetAccountPasswordPolicy": b""},
    "report-xml-truncated": {"GetCredentialReport": report(HEALTHY_REPORT)[:200]},
    # Entities that are not entities.
    "details-empty-user-name": {"GetAccountAuthorizationDetails": lambda p: details(users=user_xml(name=""))},
    "details-bad-arn": {"GetAccountAuthorizationDetails": lambda p: details(users=user_xml(arn="deployer"))},
    "details-deep-policy": {"GetAccountAuthorizationDetails": lambda p: details(roles=app_role_xml(inline=deep_document(200)))},
    "details-huge-policy": {"GetAccountAuthorizationDetails": lambda p: details(roles=app_role_xml(
        inline=BEDROCK[:-2] + ',{"Effect":"Allow","Action":[' + ",".join(['"s3:GetObject"'] * 200_000) + '],"Resource":"*"}]}'))},
    # Pagination that never ends.
    "details-repeated-marker": {"GetAccountAuthorizationDetails": lambda p: details(truncated=True, marker="page-2")},
    "details-truncated-without-marker": {"GetAccountAuthorizationDetails": lambda p: details(truncated=True)},
    # Credential reports that are not the documented format.
    "report-missing-column": {"GetCredentialReport": report(without_column("access_key_1_last_rotated"))},
    "report-semicolons": {"GetCredentialReport": report(HEALTHY_REPORT.replace(",", ";"))},
    "report-date-day-first": {"GetCredentialReport": report(csv(COLUMNS, with_cell("deployer", "access_key_1_last_rotated", "31/12/2019 10:00")))},
    "report-date-words": {"GetCredentialReport": report(csv(COLUMNS, with_cell("ops", "password_last_used", "last tuesday")))},
    "report-row-in-one-field": {"GetCredentialReport": report(HEALTHY_REPORT + '"' + ",".join(ROWS[1]).replace("deployer", "intruder") + '"\n')},
    "report-empty-user": {"GetCredentialReport": report(csv(COLUMNS, with_cell("deployer", "user", "")))},
    "report-bad-arn": {"GetCredentialReport": report(csv(COLUMNS, with_cell("ops", "arn", "arn:aws:iam::111122223333:user/someone-else")))},
    "report-missing-row": {"GetCredentialReport": report(csv(COLUMNS, [row for row in ROWS if row[0] != "ops"]))},
    "report-bad-flag": {"GetCredentialReport": report(csv(COLUMNS, with_cell("deployer", "access_key_1_active", "maybe")))},
    "report-too-large": {"GetCredentialReport": lambda p: report(HEALTHY_REPORT + "x" * (9 << 20))},
    "report-not-csv": {"GetCredentialReport": report(HEALTHY_REPORT, fmt="application/pdf")},
    # Stalls: a call that never answers.
    "details-stall": {"GetAccountAuthorizationDetails": STALL},
    "report-stall": {"GetCredentialReport": STALL},
    "everything-stalls": {action: STALL for action in list(HEALTHY) + ["GetAccountAuthorizationDetails"]},
}


def answer(scenario, action, params):
    if scenario not in SCENARIOS:
        return 400, f"unknown scenario `{scenario}`".encode()
    override = SCENARIOS[scenario].get(action)
    if override is STALL:
        time.sleep(3600)
    if callable(override):
        return 200, override(params)
    if override is not None:
        return 200, override
    if action == "GetAccountAuthorizationDetails":
        filters = [v[0] for k, v in params.items() if k.startswith("Filter.member.")]
        return 200, AWS_MANAGED if filters == ["AWSManagedPolicy"] else details()
    if action in HEALTHY:
        return 200, HEALTHY[action]
    return 400, f"unknown action `{action}`".encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        scenario = self.path.strip("/").split("/")[0] or "healthy"
        length = int(self.headers.get("Content-Length") or 0)
        params = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        action = (params.get("Action") or [""])[0]
        status, body = answer(scenario, action, params)
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def watch_stdin():
    sys.stdin.read()
    os._exit(0)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=watch_stdin, daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
