//! The seccomp-bpf filter every step process runs under: no IP (or other non-local) sockets, no io_uring
//! (which can open sockets behind seccomp's back), no foreign syscall ABI. It needs no privilege, so it
//! holds even where a network namespace cannot be made.

use libc::sock_filter;

const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD (0) | BPF_W (0) | BPF_ABS (0x20)
const BPF_JEQ_K: u16 = 0x05 | 0x10; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JGE_K: u16 = 0x05 | 0x30; // BPF_JMP | BPF_JGE | BPF_K
const BPF_RET_K: u16 = 0x06;

const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;

// Offsets into `struct seccomp_data`.
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_ARG0_LOW: u32 = 16; // little-endian: the low half of args[0]

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH_NATIVE: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH_NATIVE: u32 = 0xC000_00B7;

/// x32 syscalls carry this bit; they would bypass a filter keyed on x86_64 numbers.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

const fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// The filter program. Jump offsets count instructions skipped; the layout is fixed, see the indices.
pub fn filter() -> Vec<sock_filter> {
    let nr = |n: libc::c_long| n as u32;
    vec![
        /* 0 */ stmt(BPF_LD_W_ABS, OFFSET_ARCH),
        /* 1 */ jump(BPF_JEQ_K, AUDIT_ARCH_NATIVE, 1, 0),
        /* 2 */ stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
        /* 3 */ stmt(BPF_LD_W_ABS, OFFSET_NR),
        /* 4 */ jump(BPF_JGE_K, X32_SYSCALL_BIT, 7, 0),
        /* 5 */ jump(BPF_JEQ_K, nr(libc::SYS_io_uring_setup), 6, 0),
        /* 6 */ jump(BPF_JEQ_K, nr(libc::SYS_io_uring_enter), 5, 0),
        /* 7 */ jump(BPF_JEQ_K, nr(libc::SYS_io_uring_register), 4, 0),
        /* 8 */ jump(BPF_JEQ_K, nr(libc::SYS_socket), 0, 2),
        /* 9 */ stmt(BPF_LD_W_ABS, OFFSET_ARG0_LOW),
        /* 10 */ jump(BPF_JEQ_K, libc::AF_UNIX as u32, 0, 1),
        /* 11 */ stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
        /* 12 */ stmt(BPF_RET_K, SECCOMP_RET_ERRNO | libc::EACCES as u32),
    ]
}

/// Installs `program` on the calling thread. Only async-signal-safe calls: it runs between fork and exec.
///
/// # Safety
/// Must be called in a freshly forked child (or a thread that may lose its network forever).
pub unsafe fn install(program: &[sock_filter]) -> std::io::Result<()> {
    let prog = libc::sock_fprog {
        len: program.len() as libc::c_ushort,
        filter: program.as_ptr() as *mut _,
    };
    if libc::prctl(
        libc::PR_SET_NO_NEW_PRIVS,
        1 as libc::c_ulong,
        0 as libc::c_ulong,
        0 as libc::c_ulong,
        0 as libc::c_ulong,
    ) != 0
    {
        return Err(std::io::Error::last_os_error());
    }
    if libc::prctl(
        libc::PR_SET_SECCOMP,
        libc::SECCOMP_MODE_FILTER as libc::c_ulong,
        &prog as *const libc::sock_fprog as libc::c_ulong,
        0 as libc::c_ulong,
        0 as libc::c_ulong,
    ) != 0
    {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every jump must land inside the program, or the kernel refuses the filter at run time.
    #[test]
    fn jumps_stay_inside_the_program() {
        let program = filter();
        for (i, ins) in program.iter().enumerate() {
            if ins.code & 0x07 == 0x05 {
                assert!(i + 1 + (ins.jt as usize) < program.len(), "jt of {i}");
                assert!(i + 1 + (ins.jf as usize) < program.len(), "jf of {i}");
            }
        }
        assert_eq!(
            program.last().map(|i| i.k),
            Some(SECCOMP_RET_ERRNO | libc::EACCES as u32)
        );
    }
}
