/* The cgroup v2 device allow-list: v2 has no devices.allow file, so the rules become a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the container's cgroup, as runc and
 * crun do. The program is assembled here by hand: no LLVM, no libbpf. */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/runtime/cgroup_internal.h"

/* Registers of the program. r1 holds the bpf_cgroup_dev_ctx on entry and is free to
 * reuse once the fields are loaded. */
enum { R0, R1, R2, R3, R4, R5 };
#define REG_TYPE R2
#define REG_ACCESS R3
#define REG_MAJOR R4
#define REG_MINOR R5

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    return (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define AND32_IMM(dst, imm) insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm) insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE32_IMM(dst, imm, off) insn(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, off, imm)
#define JEQ32_IMM(dst, imm, off) insn(BPF_JMP32 | BPF_JEQ | BPF_K, dst, 0, off, imm)
#define MOV64_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define PROLOGUE_LEN 6
#define RULE_MAX_LEN 8
#define EPILOGUE_LEN 2

size_t cg_dev_prog_max(size_t n)
{
    return PROLOGUE_LEN + RULE_MAX_LEN * n + EPILOGUE_LEN;
}

/* "a *:* rwm" replaces everything before it with a blanket allow or deny, as it does
 * when written to v1 devices.allow or devices.deny. */
static bool is_reset(const struct cg_dev_rule *r)
{
    return r->type == 'a' && r->major < 0 && r->minor < 0 && r->access == CG_ACC_ALL;
}

/* One rule's block: falls through to its verdict when the device matches, otherwise jumps
 * past its end to the next (earlier) rule. */
static size_t rule_block(const struct cg_dev_rule *r, struct bpf_insn *out)
{
    struct bpf_insn b[RULE_MAX_LEN];
    /* Index of each conditional jump, patched once the block length is known. */
    size_t jumps[RULE_MAX_LEN], nj = 0, k = 0;
    if (r->type != 'a') {
        jumps[nj++] = k;
        b[k++] = JNE32_IMM(REG_TYPE, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
    }
    if (r->access != CG_ACC_ALL) {
        b[k++] = MOV32_REG(R1, REG_ACCESS);
        if (r->allow) {
            /* An allow covers a request only if it grants every access asked for. */
            b[k++] = AND32_IMM(R1, (int32_t)(~r->access & CG_ACC_ALL));
            jumps[nj++] = k;
            b[k++] = JNE32_IMM(R1, 0, 0);
        } else {
            /* A deny refuses a request that asks for any access it names. */
            b[k++] = AND32_IMM(R1, (int32_t)r->access);
            jumps[nj++] = k;
            b[k++] = JEQ32_IMM(R1, 0, 0);
        }
    }
    if (r->major >= 0) {
        jumps[nj++] = k;
        b[k++] = JNE32_IMM(REG_MAJOR, (int32_t)(uint32_t)r->major, 0);
    }
    if (r->minor >= 0) {
        jumps[nj++] = k;
        b[k++] = JNE32_IMM(REG_MINOR, (int32_t)(uint32_t)r->minor, 0);
    }
    b[k++] = MOV64_IMM(R0, r->allow ? 1 : 0);
    b[k++] = EXIT();
    for (size_t j = 0; j < nj; j++)
        b[jumps[j]].off = (int16_t)(k - jumps[j] - 1);
    memcpy(out, b, k * sizeof(*b));
    return k;
}

size_t cg_dev_prog(const struct cg_dev_rule *rules, size_t n, struct bpf_insn *out)
{
    size_t k = 0, first = 0;
    /* With no blanket rule the device inherits the parent's access, which for a fresh
     * v1 cgroup under the root is "everything". */
    bool dflt = true;
    for (size_t i = 0; i < n; i++)
        if (is_reset(&rules[i])) {
            first = i + 1;
            dflt = rules[i].allow;
        }
    /* ctx->access_type is (access << 16) | type. */
    out[k++] = LDX_W(REG_TYPE, R1, 0);
    out[k++] = MOV32_REG(REG_ACCESS, REG_TYPE);
    out[k++] = AND32_IMM(REG_TYPE, 0xffff);
    out[k++] = RSH32_IMM(REG_ACCESS, 16);
    out[k++] = LDX_W(REG_MAJOR, R1, 4);
    out[k++] = LDX_W(REG_MINOR, R1, 8);
    /* The last matching rule decides, so the program tries them from the end. */
    for (size_t i = n; i > first; i--)
        k += rule_block(&rules[i - 1], out + k);
    out[k++] = MOV64_IMM(R0, dflt ? 1 : 0);
    out[k++] = EXIT();
    return k;
}

int cg_dev_attach(int cgfd, const struct cg_dev_rule *rules, size_t n, struct herr *e)
{
    _cleanup_free_ struct bpf_insn *prog = xcalloc(cg_dev_prog_max(n), sizeof(*prog));
    size_t len = cg_dev_prog(rules, n, prog);
    char log[4096] = "";
    union bpf_attr load;
    memset(&load, 0, sizeof(load));
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = (uint64_t)(uintptr_t)prog;
    load.insn_cnt = (uint32_t)len;
    load.license = (uint64_t)(uintptr_t) "Apache-2.0";
    _cleanup_close_ int pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
    if (pfd < 0) {
        /* Only ask for the verifier's log when loading failed: it costs a second pass. */
        int saved = errno;
        load.log_buf = (uint64_t)(uintptr_t)log;
        load.log_size = sizeof(log);
        load.log_level = 1;
        int again = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
        if (again >= 0)
            close(again);
        char *last = strrchr(log, '\n');
        while (last && last > log && last[1] == '\0') {
            *last = '\0';
            last = strrchr(log, '\n');
        }
        return herr_set(e, saved, "load the device eBPF program (%zu instructions)%s%s", len,
                        *log ? ": " : "", last ? last + 1 : log);
    }
    union bpf_attr attach;
    memset(&attach, 0, sizeof(attach));
    attach.target_fd = (uint32_t)cgfd;
    attach.attach_bpf_fd = (uint32_t)pfd;
    attach.attach_type = BPF_CGROUP_DEVICE;
    /* MULTI: programs of the parents (systemd's, a nested runtime's) keep running too. */
    attach.attach_flags = BPF_F_ALLOW_MULTI;
    if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)) < 0)
        return herr_sys(e, "attach the device eBPF program");
    return 0;
}
