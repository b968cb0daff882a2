/* Walking a dependency graph on threads: each node starts as soon as what it waits for
 * has finished, bounded by a number of slots. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/str.h"
#include "compose/scheduler/run_internal.h"

enum node_state { NODE_PENDING, NODE_OK, NODE_FAILED };

struct dag {
    size_t n;
    const bool *waits;
    int slots;
    bool skip;
    int (*fn)(void *arg, size_t i, struct herr *e);
    void *arg;
    enum node_state *state;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool failed;
    struct herr err;
};

struct worker {
    struct dag *d;
    size_t i;
};

static void *work(void *p)
{
    struct worker *w = p;
    struct dag *d = w->d;
    size_t i = w->i;
    bool dep_failed = false;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        bool ready = true;
        for (size_t j = 0; j < d->n; j++) {
            if (!d->waits[i * d->n + j])
                continue;
            if (d->state[j] == NODE_PENDING)
                ready = false;
            else if (d->state[j] == NODE_FAILED)
                dep_failed = true;
        }
        if (ready && (d->slots != 0 || (d->skip && dep_failed)))
            break;
        pthread_cond_wait(&d->cv, &d->mu);
    }
    if (d->skip && dep_failed) {
        d->state[i] = NODE_FAILED;
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
        return NULL;
    }
    if (d->slots > 0)
        d->slots--;
    pthread_mutex_unlock(&d->mu);

    struct herr e = {0};
    int r = d->fn(d->arg, i, &e);

    pthread_mutex_lock(&d->mu);
    if (d->slots >= 0)
        d->slots++;
    d->state[i] = r < 0 ? NODE_FAILED : NODE_OK;
    if (r < 0 && !d->failed) {
        d->failed = true;
        d->err = e;
    }
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

int run_dag(size_t n, const bool *waits, int parallel, bool skip_after_failure,
            int (*fn)(void *arg, size_t i, struct herr *e), void *arg, struct herr *e)
{
    if (n == 0)
        return 0;
    struct dag d = {
        .n = n,
        .waits = waits,
        .slots = parallel > 0 ? parallel : -1,
        .skip = skip_after_failure,
        .fn = fn,
        .arg = arg,
        .state = xcalloc(n, sizeof(enum node_state)),
    };
    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.cv, NULL);
    pthread_t *th = xcalloc(n, sizeof(pthread_t));
    struct worker *w = xcalloc(n, sizeof(*w));
    bool *started = xcalloc(n, sizeof(bool));
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* The workers' deepest stacks are the engine's create path: 256 KiB is plenty and
     * keeps a 100-service `up` from reserving 800 MiB of address space. */
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (size_t i = 0; i < n; i++) {
        w[i] = (struct worker){&d, i};
        started[i] = pthread_create(&th[i], &attr, work, &w[i]) == 0;
        if (!started[i]) {
            pthread_mutex_lock(&d.mu);
            d.state[i] = NODE_FAILED;
            if (!d.failed) {
                d.failed = true;
                herr_set(&d.err, 0, "cannot start a scheduler thread");
            }
            pthread_cond_broadcast(&d.cv);
            pthread_mutex_unlock(&d.mu);
        }
    }
    pthread_attr_destroy(&attr);
    for (size_t i = 0; i < n; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
    }
    free(started);
    free(w);
    free(th);
    free(d.state);
    pthread_mutex_destroy(&d.mu);
    pthread_cond_destroy(&d.cv);
    if (d.failed) {
        if (e)
            *e = d.err;
        return -1;
    }
    return 0;
}

bool run_nap(int ms, volatile sig_atomic_t *cancel)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    if (cancel && *cancel)
        return false;
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
        if (cancel && *cancel)
            return false;
    }
    return !(cancel && *cancel);
}
