#!/bin/sh
# CGI: the greeting from the environment and the counter the worker keeps in the store.
count=$(wget -q -O - http://store/count)
printf 'Content-Type: text/plain\r\n\r\n%s, count=%s\n' "$GREETING" "$count"
