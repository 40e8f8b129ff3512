/* The farm's one reading of elapsed time: a monotonic clock, in seconds. */
#ifndef KM_CLOCK_H
#define KM_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: only differences mean anything (durations, deadlines). */
double clock_now_s(void);

#endif
