#!/bin/sh
# CGI: the front page relays what the api answers.
printf 'Content-Type: text/plain\r\n\r\nfront says: %s\n' "$(wget -q -O - http://api/cgi-bin/api)"
