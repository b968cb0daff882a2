/* The part of Go's text/template that `docker inspect --format` users write, over a
 * JSON value: {{.A.B}}, {{json .A}}, {{index .A "k"}} / {{index .A 0}}, {{len .A}}, {{upper .A}},
 * {{lower .A}}, {{join .A ","}}, {{println .A}}, {{.}}, and {{- -}} trimming. Values print
 * as Go's %v prints decoded JSON: strings bare, map[k:v ...] with sorted keys, [a b],
 * "<no value>" for a missing key. Other actions (range, if, with, ...) are errors. */
#ifndef HOIST_COMMON_TMPL_H
#define HOIST_COMMON_TMPL_H

#include <jansson.h>

struct herr;

/* *out: the rendered text, newly allocated. */
int tmpl_render(const char *tmpl, const json_t *v, char **out, struct herr *e);

#endif
