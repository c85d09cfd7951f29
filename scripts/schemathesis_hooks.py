# Schemathesis hooks for `npm run fuzz:api` (src/dev/fuzz-api.ts loads this
# module through SCHEMATHESIS_HOOKS, with this folder on PYTHONPATH).
#
# POST /webhooks/corfix checks an HMAC over the raw body before anything else,
# so unsigned requests would all stop at 401 and the fuzzer would never reach
# the JSON and the schema behind it. This signs every generated delivery as
# Corfix signs them (src/http/webhook-signature.ts):
#   Corfix-Timestamp: unix seconds
#   Corfix-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + raw body))
# over the exact bytes sent: the body is serialized here and handed to the
# transport as bytes. The secret comes from FUZZ_CORFIX_WEBHOOK_SECRET.
# (The refused signatures are covered by test/api/corfix-webhooks.property.test.ts.)
import hashlib
import hmac
import json
import os
import time

import schemathesis

CORFIX_WEBHOOK_PATH = "/webhooks/corfix"


def _raw_body(body):
    if body is None or type(body).__name__ == "NotSet":
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str) and not body:
        return b""
    return json.dumps(body).encode("utf-8")


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path != CORFIX_WEBHOOK_PATH:
        return
    secret = os.environ["FUZZ_CORFIX_WEBHOOK_SECRET"].encode("utf-8")
    raw = _raw_body(case.body)
    timestamp = str(int(time.time()))
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + raw, hashlib.sha256).hexdigest()
    kwargs["data"] = raw
    if case.headers is None:
        case.headers = {}
    case.headers["Corfix-Timestamp"] = timestamp
    case.headers["Corfix-Signature"] = f"v1={digest}"
