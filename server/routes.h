/* The route table: method and path pattern to handler and body limit. */
#ifndef KM_ROUTES_H
#define KM_ROUTES_H

#include "http.h"

struct server;

/* The HTTP application of the server: route lookup, body limits and dispatch. */
void routes_app(struct server *s, struct http_app *app);

#endif
