#!/usr/bin/env bash
# Run both pre-commit hooks of this repository through a real `pre-commit try-repo`, on a scratch
# git repository holding examples/Dockerfile. Needs network access to PyPI (pre-commit installs the hook).
# Expected: `layerlint` fails (the example has findings) and `layerlint-fix` fails with
# "files were modified by this hook" and leaves a fixed Dockerfile.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q pre-commit
cd "$work" && mkdir project && cd project
git init -q . && cp "$repo/examples/Dockerfile" . && git add Dockerfile
git -c user.email=ci@example.invalid -c user.name=ci commit -qm init
for hook in layerlint layerlint-fix; do
  set +e
  "$work/venv/bin/pre-commit" try-repo "$repo" "$hook" --files Dockerfile > "$work/$hook.log" 2>&1
  echo "$hook: exit $? ($(grep -cE '^Dockerfile:[0-9]+' "$work/$hook.log") findings reported)"
  set -e
done
git diff --stat
