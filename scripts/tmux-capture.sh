#!/usr/bin/env bash
# scripts/tmux-capture.sh DEMO_DIR ARTIFACTS [MLGATE]: what a reader sees of
# the demo's summary in a terminal. Runs `mlgate report` on DEMO_DIR's
# evidence (make demo writes it to demo/out) in tmux at 80 and 200 columns and
# writes each screen, wrapped lines joined, to ARTIFACTS/report-WIDTH.txt.
# A private tmux server (-L) is used and stopped; no other session is touched.
set -euo pipefail
demo=$(cd "${1:?usage: tmux-capture.sh DEMO_DIR ARTIFACTS [MLGATE]}" && pwd)
artifacts=${2:?usage: tmux-capture.sh DEMO_DIR ARTIFACTS [MLGATE]}
mlgate=${3:-mlgate}
command -v tmux >/dev/null || { echo "tmux-capture: tmux is not installed" >&2; exit 2; }
mkdir -p "$artifacts"
artifacts=$(cd "$artifacts" && pwd)
server=mlgate-capture-$$
trap 'tmux -L "$server" kill-server 2>/dev/null || true' EXIT

for width in 80 200; do
  chan=done-$width
  # The pane runs the report, signals, and stays until the capture is taken.
  cmd=$(printf 'cd %q && %q report --title %q evidence/*.json; tmux -L %q wait-for -S %q; sleep 600' \
    "$demo" "$mlgate" "Model check (demo)" "$server" "$chan")
  tmux -L "$server" -f /dev/null new-session -d -s "w$width" -x "$width" -y 50 \
    -e TERM=xterm-256color -e NO_COLOR= "bash -c $(printf %q "$cmd")"
  tmux -L "$server" set-option -t "w$width" history-limit 20000 >/dev/null
  tmux -L "$server" wait-for "$chan"
  # -J joins the lines the terminal wrapped, so a line too wide for the
  # terminal shows as one long line; -S - takes the scrollback too.
  tmux -L "$server" capture-pane -p -J -S - -E - -t "w$width" | sed -e 's/[[:space:]]*$//' >"$artifacts/report-$width.txt"
  tmux -L "$server" kill-session -t "w$width"
  echo "tmux-capture: $artifacts/report-$width.txt"
done
