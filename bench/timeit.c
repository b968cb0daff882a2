/* Run a command N times and print min / median / mean / max wall time in ms.
 * A C harness rather than a shell loop so the shell's own fork costs stay out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: timeit LABEL N COMMAND [ARGS...]\n");
        return 2;
    }
    const char *label = argv[1];
    int n = atoi(argv[2]);
    if (n < 1)
        return 2;
    double *t = calloc((size_t)n, sizeof(double));
    if (!t)
        return 1;
    for (int i = 0; i < n; i++) {
        double start = now_ms();
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            execvp(argv[3], argv + 3);
            perror(argv[3]);
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0) {
            perror("waitpid");
            return 1;
        }
        t[i] = now_ms() - start;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "timeit: %s: run %d failed (status %d)\n", label, i, st);
            return 1;
        }
    }
    qsort(t, (size_t)n, sizeof(double), cmp);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += t[i];
    double med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    printf("%-28s runs %3d  min %7.2f ms  median %7.2f ms  mean %7.2f ms  max %7.2f ms\n", label, n,
           t[0], med, sum / n, t[n - 1]);
    free(t);
    return 0;
}
