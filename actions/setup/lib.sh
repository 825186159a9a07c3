# Sourced by mlgate's composite actions: how every action reads a list input
# and picks where its evidence goes.
#
# mlgate_list VALUE [words]: the entries of a list input, one per line
# (surrounding white space trimmed, blank lines skipped), into the array
# `list`. With "words", a value on a single line is split on white space
# instead: the separator those inputs took before every list input became
# one per line. A block scalar (`files: |`) always ends with a new line, so a
# single path holding spaces is written as a one-line block.
mlgate_list() {
  local value=$1 mode=${2:-} line
  list=()
  if [ "$mode" = words ] && [[ $value != *$'\n'* ]]; then
    read -r -a list <<< "$value" || true
    return 0
  fi
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [ -n "$line" ]; then list+=("$line"); fi
  done <<< "$value"
}

# mlgate_out KIND: where a step writes its evidence: the out input
# (INPUT_OUT), else KIND.json in a new folder under RUNNER_TEMP, so two steps
# of one job never write the same file. Every action takes this default; the
# path is the step's `evidence` output.
mlgate_out() {
  if [ -n "${INPUT_OUT:-}" ]; then
    printf '%s\n' "$INPUT_OUT"
    return 0
  fi
  local dir
  dir=$(mktemp -d "${RUNNER_TEMP:-/tmp}/mlgate-XXXXXX")
  printf '%s/%s.json\n' "$dir" "$1"
}
