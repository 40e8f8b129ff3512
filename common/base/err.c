/* Thread-local storage of the last error message. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

#include "utf8.h"

static _Thread_local char last_msg[512];

int err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	utf8_sanitize(last_msg);
	return code;
}

const char *err_msg(void)
{
	return last_msg;
}

void err_clear(void)
{
	last_msg[0] = '\0';
}

const char *err_name(int code)
{
	switch (code) {
	case KM_OK: return "ok";
	case KM_EINVAL: return "invalid";
	case KM_ENOTFOUND: return "not found";
	case KM_EEXISTS: return "exists";
	case KM_EBUSY: return "busy";
	case KM_ETIMEDOUT: return "timed out";
	case KM_EIO: return "i/o error";
	case KM_ETOOBIG: return "too big";
	case KM_EAUTH: return "unauthorized";
	case KM_ECONFLICT: return "conflict";
	default: return "unknown error";
	}
}
