/* Error codes shared by every module, and the one-line message of the last failure. */
#ifndef KM_ERR_H
#define KM_ERR_H

/*
 * Fallible functions return 0 on success or one of these negative codes.
 * Callers branch on the code; the message is for humans and is set once,
 * where the failure is detected, with err_set().
 */
enum {
	KM_OK = 0,
	KM_EINVAL = -1,    /* bad input: malformed, out of range, unknown key */
	KM_ENOTFOUND = -2, /* no such object */
	KM_EEXISTS = -3,   /* object already exists */
	KM_EBUSY = -4,     /* try again later (locked, queue full) */
	KM_ETIMEDOUT = -5, /* a deadline passed */
	KM_EIO = -6,       /* I/O, SQL, network or child-process failure */
	KM_ETOOBIG = -7,   /* input over its size limit */
	KM_EAUTH = -8,     /* missing or wrong credentials */
	KM_ECONFLICT = -9, /* state does not allow it (foreign or expired lease) */
};

/*
 * Records a message for the calling thread and returns code, so that
 * `return err_set(KM_EINVAL, "line %d: expected '='", n);` reads naturally.
 */
int err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The calling thread's last message ("" if none). Valid until the next err_set(). */
const char *err_msg(void);

/* Clears the calling thread's message. */
void err_clear(void);

/* A short stable name for a code ("invalid", "not found", ...). */
const char *err_name(int code);

#endif
