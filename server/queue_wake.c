/* Waking the claims that wait for work: a generation counter and a condition variable. */
#include "sched.h"

#include <pthread.h>
#include <time.h>

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static unsigned long queue_generation;

void sched_notify(void)
{
	pthread_mutex_lock(&queue_lock);
	queue_generation++;
	pthread_cond_broadcast(&queue_cond);
	pthread_mutex_unlock(&queue_lock);
}

void sched_wait(double seconds)
{
	struct timespec deadline;
	unsigned long gen;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)seconds;
	deadline.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&queue_lock);
	gen = queue_generation;
	while (gen == queue_generation) {
		if (pthread_cond_timedwait(&queue_cond, &queue_lock, &deadline) != 0)
			break;
	}
	pthread_mutex_unlock(&queue_lock);
}
