#include <stdio.h>
#include <string.h>

#include "tests/seccomp_interp.h"

bool seccomp_interp_run(const struct sock_filter *f, size_t len,
                        const struct seccomp_interp_data *d, uint32_t *ret, bool *args_read,
                        char *why, size_t whylen)
{
    uint32_t a = 0;
    for (size_t pc = 0; pc < len; pc++) {
        const struct sock_filter *i = &f[pc];
        switch (i->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (i->k + 4 > sizeof(*d) || i->k % 4 != 0) {
                snprintf(why, whylen, "load of offset %u", i->k);
                return false;
            }
            if (args_read && i->k >= offsetof(struct seccomp_interp_data, args))
                *args_read = true;
            memcpy(&a, (const char *)d + i->k, 4);
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            a &= i->k;
            break;
        case BPF_JMP | BPF_JA:
            pc += i->k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += a == i->k ? i->jt : i->jf;
            break;
        case BPF_JMP | BPF_JGT | BPF_K:
            pc += a > i->k ? i->jt : i->jf;
            break;
        case BPF_JMP | BPF_JGE | BPF_K:
            pc += a >= i->k ? i->jt : i->jf;
            break;
        case BPF_JMP | BPF_JSET | BPF_K:
            pc += (a & i->k) ? i->jt : i->jf;
            break;
        case BPF_RET | BPF_K:
            *ret = i->k;
            return true;
        default:
            snprintf(why, whylen, "BPF opcode %#x at %zu is not interpreted", i->code, pc);
            return false;
        }
    }
    snprintf(why, whylen, "BPF program ran off its end");
    return false;
}
