# What every bench script shares: a scratch directory removed on exit, the background processes to stop on
# exit (append their pids to PIDS; define more_cleanup for anything else), free loopback ports, and waiting
# for a URL to answer. Sourced from the project root: `. bench/lib.sh`.
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if declare -F more_cleanup >/dev/null; then more_cleanup; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # url [attempts, 0.1 s apart]
  for _ in $(seq 1 "${2:-100}"); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "no answer from $1; logs:" >&2; tail -n 20 "$WORK"/*.log >&2; return 1
}

# Writes one section of a results file, keeping the others: replaces the section whose heading starts with
# $2 (a "## ..." line), or appends it; the file starts with the title $3 if it is new. The section's text on stdin.
write_section() { # file heading-start title
  SECTION=$(cat) python3 -c '
import os, re, sys
path, heading, title = sys.argv[1:4]
section = os.environ["SECTION"].rstrip() + "\n"
text = open(path).read() if os.path.exists(path) else title + "\n"
pattern = re.compile(re.escape(heading) + r".*?(?=\n## |\Z)", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: section, text, count=1)
else:
    text = text.rstrip() + "\n\n" + section
open(path, "w").write(text)' "$1" "$2" "$3"
}
