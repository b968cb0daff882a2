/* hoist-monitor: the per-container supervisor. libc only, because one lives per
 * running container and its memory is paid for each.
 *
 * Command line (built by engine/container, never typed by users):
 *   hoist-monitor --id ID --ctr-dir DIR --run-dir DIR --sync-fd N
 *                 [--restart no|always|on-failure|unless-stopped] [--max-retries N]
 *                 [--tty] [--stdin] [--attach] [--rm] [--name-link PATH]
 *                 [--cgroup PATH] [HEALTH...] -- RUNTIME [RUNTIME-GLOBAL-ARGS...]
 *   HEALTH: --health-cmd ARG (once per probe argument) with --health-interval NS
 *           --health-timeout NS --health-start-period NS --health-start-interval NS
 *           --health-retries N, all given (the engine fills in docker's defaults).
 *
 * Messages are SOCK_SEQPACKET datagrams of text, on the sync fd and on
 * <run-dir>/mon.sock:
 *   monitor -> client:  "started PID" | "error CODE MESSAGE" | "exit CODE"
 *   client -> monitor:  "kill SIG" (also disables restarts) | "signal SIG" | "stop SIG TIMEOUT" |
 * "wait" | "resize ROWS COLS" | "attach" (with SCM_RIGHTS: stdin or -1 marker, stdout, stderr)
 */
#ifndef HOIST_ENGINE_MONITOR_H
#define HOIST_ENGINE_MONITOR_H

#define MONITOR_SOCK "mon.sock"
#define MONITOR_CONSOLE_SOCK "console.sock"
#define MONITOR_PID_FILE "pid"
#define MONITOR_STATE_FILE "state.json"
/* Beside the state file: {Status, FailingStreak, Log} as docker's State.Health. */
#define MONITOR_HEALTH_FILE "health.json"
#define MONITOR_MSG_MAX 2048

#endif
