# Shared by scripts/dev and scripts/test. Sourced, not run.
# Runs a throwaway S3-compatible server (moto, from PyPI `moto[server]`) on loopback
# with signature checking on, so object-storage tests see real SigV4 refusals.
#
#   s3_start PORT   starts it, creates a user, an access key and a bucket, and exports
#                   PARLEY_TEST_S3_ENDPOINT, PARLEY_TEST_S3_BUCKET, PARLEY_TEST_S3_REGION,
#                   PARLEY_TEST_S3_ACCESS_KEY_ID, PARLEY_TEST_S3_SECRET_ACCESS_KEY
#   s3_stop         stops it (call it from the caller's EXIT trap)

S3_PID=""
S3_DIR=""
S3_BUCKET_NAME="parley-test"
S3_REGION_NAME="us-east-1"

s3_log() {
    if declare -F log >/dev/null; then log "$@"; else printf '[parley] %s\n' "$*" >&2; fi
}

# The command that runs moto's server: `moto_server` when on PATH, else the module
# (a fresh `pip install` under pyenv puts the script where PATH may not look yet).
s3_moto_command() {
    if command -v moto_server >/dev/null 2>&1; then
        echo moto_server
    elif python3 -c 'import moto.server, flask, boto3' >/dev/null 2>&1; then
        echo "python3 -m moto.server"
    else
        return 1
    fi
}

s3_ensure_moto() {
    if ! s3_moto_command >/dev/null; then
        s3_log "installing moto[server] (S3-compatible test server) from PyPI"
        python3 -m pip install --quiet --disable-pip-version-check 'moto[server]' >&2
        hash -r
    fi
    s3_moto_command >/dev/null || { s3_log "moto_server is still missing after pip install"; return 1; }
}

s3_start() {
    local port="${1:?usage: s3_start PORT}"
    local endpoint="http://127.0.0.1:${port}"
    s3_ensure_moto || return 1
    S3_DIR=$(mktemp -d /tmp/parley-test-s3.XXXXXX)

    # INITIAL_NO_AUTH_ACTION_COUNT=0: every request is authenticated from the start
    # (moto's default is never). Anonymous calls are opened below, just enough to
    # create the credentials.
    # shellcheck disable=SC2046
    INITIAL_NO_AUTH_ACTION_COUNT=0 $(s3_moto_command) -H 127.0.0.1 -p "$port" >"$S3_DIR/moto.log" 2>&1 &
    S3_PID=$!

    local tries=0
    until curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null; do
        if ! kill -0 "$S3_PID" 2>/dev/null || [ "$tries" -ge 100 ]; then
            s3_log "moto did not start on port $port; its log:"
            cat "$S3_DIR/moto.log" >&2
            s3_stop
            return 1
        fi
        tries=$((tries + 1))
        sleep 0.2
    done

    # Three anonymous actions: CreateUser, PutUserPolicy, CreateAccessKey. The body is
    # the count as plain text (a form content type would hide it from moto). After
    # these three, every request must be signed with the new key.
    curl -fsS -X POST -H 'Content-Type: text/plain' --data 3 "$endpoint/moto-api/reset-auth" >/dev/null

    local credentials
    if ! credentials=$(python3 - "$endpoint" "$S3_BUCKET_NAME" "$S3_REGION_NAME" <<'PY'
import json, sys
import boto3
from botocore.exceptions import ClientError

endpoint, bucket, region = sys.argv[1:4]
iam = boto3.client("iam", endpoint_url=endpoint, region_name=region,
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="parley-test")
iam.put_user_policy(UserName="parley-test", PolicyName="parley-test-s3", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}))
key = iam.create_access_key(UserName="parley-test")["AccessKey"]

s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region,
                  aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
s3.create_bucket(Bucket=bucket)

# Proof that signatures are checked: the right key id with a wrong secret is refused.
wrong = boto3.client("s3", endpoint_url=endpoint, region_name=region,
                     aws_access_key_id=key["AccessKeyId"], aws_secret_access_key="wrong-secret")
try:
    wrong.list_objects_v2(Bucket=bucket)
    sys.exit("moto accepted a wrong secret: signature checking is off")
except ClientError as error:
    if error.response["Error"]["Code"] != "SignatureDoesNotMatch":
        sys.exit("a wrong secret got %r, not SignatureDoesNotMatch" % error.response["Error"]["Code"])
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
    ); then
        s3_log "setting up moto failed; its log:"
        tail -n 40 "$S3_DIR/moto.log" >&2
        s3_stop
        return 1
    fi

    export PARLEY_TEST_S3_ENDPOINT="$endpoint"
    export PARLEY_TEST_S3_BUCKET="$S3_BUCKET_NAME"
    export PARLEY_TEST_S3_REGION="$S3_REGION_NAME"
    export PARLEY_TEST_S3_ACCESS_KEY_ID="${credentials%% *}"
    export PARLEY_TEST_S3_SECRET_ACCESS_KEY="${credentials#* }"
    s3_log "moto (S3, signatures checked) on $endpoint, bucket $S3_BUCKET_NAME"
}

s3_stop() {
    if [ -n "$S3_PID" ]; then
        kill "$S3_PID" 2>/dev/null || true
        wait "$S3_PID" 2>/dev/null || true
        S3_PID=""
    fi
    if [ -n "$S3_DIR" ]; then
        rm -rf "$S3_DIR"
        S3_DIR=""
    fi
}
