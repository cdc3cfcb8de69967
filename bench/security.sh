#!/usr/bin/env bash
# Security scan, outside CI: sqlmap against every form and every query parameter of the demo app
# on localhost, as each kind of user (the public, an applicant and a juror through their links,
# the secretariat signed in), then bandit over prize/. Prints the figures and asserts nothing;
# the logs stay in the folder printed at the end.
#
#   bench/security.sh                  # about an hour on two cores
#   LEVEL=2 RISK=2 bench/security.sh   # deeper, much longer
#
# The pages are crawled here (every link, a few pages of each kind), so that sqlmap gets every
# form and every address with a query string; its own crawler stops too early. sqlmap and bandit
# are installed into .venv when missing (both from PyPI). Every finding bandit still reports must
# be justified in place, with "# nosec <id>: reason" on the line.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LEVEL=${LEVEL:-1}
RISK=${RISK:-1}
[ -x .venv/bin/sqlmap ] || .venv/bin/pip install -q sqlmap
[ -x .venv/bin/bandit ] || .venv/bin/pip install -q bandit

work=$(mktemp -d /tmp/prize-security.XXXXXX)
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

echo "== the demo app on $base (logs in $work)"
$PY -m prize.cli demo --port "$port" --database "$work/demo.sqlite3" --storage "$work/storage" \
  >"$work/demo.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "$base/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "$base/health" >/dev/null

# A session for each kind of user (the links and the sign-in the demo printed), and the pages
# each one reaches: those with a form to post, and the addresses with a query string.
$PY - "$base" "$work" <<'EOF'
import re, sys
from collections import Counter
from html.parser import HTMLParser
import httpx2 as httpx

base, work = sys.argv[1], sys.argv[2]
log = open(f"{work}/demo.log").read()
SKIP = re.compile(r"/link/|/reset/|logout|sign-out|/files/|\.csv|\.json|certificates|^/static/")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.forms = [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and (a.get("href") or "").startswith("/"):
            self.links.append(a["href"].split("#")[0])
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms += 1


def signed_in(cookie=None, link=None, login=None):
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    start = "/"
    if link:
        start = client.get(link).headers.get("location", "/")
    if login:
        page = client.get("/secretariat/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/secretariat/login", data={**login, "csrf_token": token})
        start = "/secretariat"
    return client, start


def crawl(name, client, start, per_shape=3):
    queue, seen, shapes = [start, "/"], {start, "/"}, Counter()
    forms, queries = [], []
    while queue:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", path.split("?")[0]) + ("?" if "?" in path else "")
        if SKIP.search(path) or shapes[shape] >= per_shape:
            continue
        shapes[shape] += 1
        answer = client.get(path)
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        parser = Links()
        parser.feed(answer.text)
        if parser.forms:
            forms.append(base + path)
        if "?" in path:
            queries.append(base + path)
        for link in parser.links:
            if link not in seen:
                seen.add(link)
                queue.append(link)
    open(f"{work}/forms-{name}.txt", "w").write("\n".join(forms) + "\n")
    open(f"{work}/queries-{name}.txt", "w").write("\n".join(queries) + "\n")
    cookie = client.cookies.get("prize_session", "")
    open(f"{work}/cookie-{name}.txt", "w").write(cookie)
    print(f"   {name}: {len(forms)} pages with forms, {len(queries)} addresses with a query string")


draft = re.search(r"A draft application \(its resume link\): \S+?(/apply/link/\S+)", log).group(1)
juror = re.search(r"a juror part-way through[^:]*: \S+?(/ballot/link/\S+)", log).group(1)
login = {"email": re.search(r"e-mail:\s+(\S+)", log).group(1),
         "password": re.search(r"password:\s+(\S+)", log).group(1)}
print("== crawling")
crawl("public", *signed_in())
crawl("applicant", *signed_in(link=draft))
crawl("juror", *signed_in(link=juror))
crawl("secretariat", *signed_in(login=login))
EOF

scan() {  # name, list, then sqlmap's options
  local name=$1 list=$2
  shift 2
  [ -s "$list" ] || return 0
  echo "== sqlmap: $name"
  .venv/bin/sqlmap --batch --disable-coloring --level="$LEVEL" --risk="$RISK" -m "$list" \
    --output-dir="$work/sqlmap-$name" "$@" >"$work/sqlmap-$name.log" 2>&1 || true
  local log="$work/sqlmap-$name.log" targets params clean injectable
  targets=$(grep -cE "^(POST|GET) http" "$log" || true)
  params=$( (grep -oE "(GET|POST) parameter '[^']+'" "$log" || true) | sort -u | wc -l)
  clean=$(grep -cE "does not seem to be injectable|do not appear to be injectable" "$log" || true)
  injectable=$(grep -ciE "sqlmap identified the following injection|is vulnerable" "$log" || true)
  echo "   $targets targets, $params distinct parameter names, $clean 'not injectable' verdicts, $injectable injectable"
}

for who in public applicant juror secretariat; do
  cookie=$(cat "$work/cookie-$who.txt")
  session=()
  [ -n "$cookie" ] && session=(--cookie="prize_session=$cookie")
  scan "$who-forms" "$work/forms-$who.txt" --forms --csrf-token=csrf_token "${session[@]}"
  scan "$who-queries" "$work/queries-$who.txt" "${session[@]}"
done

echo "== server errors (500) while sqlmap ran"
grep -c '" 500' "$work/demo.log" || true

echo "== bandit -r prize/"
# (bandit warns about each word of a "# nosec B101: reason" comment: those lines are dropped)
.venv/bin/bandit -r prize/ >"$work/bandit.txt" 2>&1 || true
grep -v "Test in comment" "$work/bandit.txt" | sed -n '/^Test results:/,$p' | head -n 30
echo "== logs: $work"
