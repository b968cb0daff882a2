#!/bin/bash
# The completions and man pages made at build time hold every flag of the option
# tables (as `hoist __complete list` reads them); the bash one parses and completes.
# usage: cli_doc.sh HOIST DOCDIR
set -euo pipefail
hoist=$1 doc=$2
fail=0
bash -n "$doc/hoist.bash"
if command -v zsh >/dev/null; then zsh -n "$doc/_hoist"; fi
while IFS=$'\t' read -r page cmd flags; do
    [ -f "$doc/man/$page.1" ] || { echo "no man page $page.1 for '$cmd'"; fail=1; continue; }
    for flag in $flags; do
        grep -qF -- " $flag" "$doc/hoist.bash" || { echo "bash completion lacks $cmd $flag"; fail=1; }
        grep -qF -- "'$flag" "$doc/_hoist" || { echo "zsh completion lacks $cmd $flag"; fail=1; }
        roff=${flag//-/\\-}
        grep -qF -- "\\fB$roff\\fR" "$doc/man/$page.1" || { echo "$page.1 lacks $cmd $flag"; fail=1; }
    done
done < <("$hoist" __complete list)

# A sample completion: options after `-f FILE up`, a verb's values, a group's verbs.
# shellcheck source=/dev/null
source "$doc/hoist.bash"
complete_words() {
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _hoist
    echo "${COMPREPLY[*]}"
}
expect() {
    local want=$1
    shift
    local got
    got=$(complete_words "$@")
    [ "$got" = "$want" ] || { echo "completing '$*': got '$got', want '$want'"; fail=1; }
}
expect "--pull" hoist -f x.yml up --pu
expect "always missing never" hoist up --pull ""
expect "run" hoist container ru
expect "--detach --dry-run" hoist compose -p demo up --d
expect "--file" hoist --fi
exit $fail
