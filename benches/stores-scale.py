#!/usr/bin/env python3
"""Writes a large inventory and AWS snapshot for timing the reader analysis
of `check --aws-snapshot` (benches/README.md, "Secret stores at scale").

    python3 benches/stores-scale.py DIR [SECRETS] [ROLES]
    target/release/secretary check DIR/inventory.yaml --now 2026-12-06 \
        --format json --aws-snapshot DIR/aws.json > /dev/null

Every secret is in Secrets Manager with an allowed reader; each role reads
three secrets by wildcard ARN (and logs and S3 by `*`), so most reads are
not allowed: the analysis and the findings are both exercised.
"""

import json
import os
import random
import sys

out = sys.argv[1]
secrets_n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
roles_n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
account, region = "123456789012", "us-east-1"
random.seed(7)
os.makedirs(out, exist_ok=True)

lines = ["version: 1", "settings:", "  stores:", "    prefixes: [app/]",
         "environments:", "  production: { tier: production }", "services:"]
lines += [f"  svc{i}: {{ kind: api }}" for i in range(30)]
lines.append("identities:")
for i in range(30):
    lines.append(f"  role{i}:\n    kind: aws_iam_role\n    service: svc{i}\n"
                 f"    aws: {{ account: \"{account}\", name: role{i} }}")
lines.append("secrets:")
for i in range(secrets_n):
    lines.append(
        f"  S{i}:\n    classification: important\n    owner: team\n"
        f"    rotation: {{ period: 90d, method: manual }}\n    readers: [svc{i % 30}]\n"
        f"    instances:\n      production: {{ backend: aws_secrets_manager, "
        f"reference: app/s{i}, last_rotated: 2026-10-01 }}")
with open(os.path.join(out, "inventory.yaml"), "w") as f:
    f.write("\n".join(lines) + "\n")

arn = f"arn:aws:secretsmanager:{region}:{account}:secret:app/s"
roles = []
for i in range(roles_n):
    statements = [{"Sid": f"R{j}", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                   "Resource": f"{arn}{random.randrange(secrets_n)}*"} for j in range(3)]
    statements.append({"Effect": "Allow", "Action": ["s3:GetObject", "logs:*"], "Resource": "*"})
    roles.append({"name": f"role{i}", "arn": f"arn:aws:iam::{account}:role/role{i}",
                  "inline_policies": [{"name": "p", "document": {"Statement": statements}}]})
secrets = [{"name": f"app/s{i}", "arn": f"{arn}{i}-Ab12Cd", "rotation_enabled": False,
            "created": "2025-01-01T00:00:00Z", "current_version_created": "2026-10-01T00:00:00Z",
            "last_accessed": "2026-11-20T00:00:00Z",
            "kms_key_id": f"arn:aws:kms:{region}:{account}:key/k"} for i in range(secrets_n)]
snapshot = {
    "version": 2, "collected_at": "2026-12-01T00:00:00Z", "account_id": account,
    "users": [], "groups": [], "roles": roles, "policies": [],
    "root": {"mfa_active": True, "access_keys": [], "access_keys_present": False},
    "password_policy": {"minimum_password_length": 14, "password_reuse_prevention": 24},
    "not_collected": [],
    "stores": {"regions": [{"region": region, "secrets_manager": secrets, "ssm": []}],
               "not_collected": []},
}
with open(os.path.join(out, "aws.json"), "w") as f:
    json.dump(snapshot, f)
