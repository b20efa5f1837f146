//! Each limit, exceeded on purpose, ends the attempt with a receipt naming that limit; the server keeps
//! serving after every one of them.

mod common;

use anyhow::Result;
use common::Sandbox;
use serde_json::json;

#[test]
fn each_limit_is_named_in_the_receipt() -> Result<()> {
    let sandbox = Sandbox::start(&[])?;
    let cases = [
        ("cpu_time", "while True:\n    pass\n", json!({"cpu_seconds": 1, "wall_seconds": 30})),
        ("wall_time", "import time\ntime.sleep(60)\n", json!({"wall_seconds": 1})),
        ("memory", "x = bytearray(512 * 1024 * 1024)\n", json!({"memory_mb": 128})),
        (
            "processes",
            "import subprocess, sys\nkids = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(5)']) for _ in range(20)]\n",
            json!({"processes": 4}),
        ),
        ("open_files", "files = [open('program.py') for _ in range(200)]\n", json!({"open_files": 32})),
        (
            "file_size",
            "import os\nos.makedirs('out/big', exist_ok=True)\nopen('out/big/big.bin', 'wb').write(b'x' * (3 << 20))\n",
            json!({"file_size_mb": 2}),
        ),
        (
            "output_size",
            "import os\nos.makedirs('out/many', exist_ok=True)\nfor i in range(3):\n    open(f'out/many/{i}.bin', 'wb').write(b'x' * (900 << 10))\n",
            json!({"file_size_mb": 1, "output_mb": 2}),
        ),
    ];
    for (limit, program, limits) in cases {
        let receipt = sandbox.run(program, limits)?;
        assert_eq!(receipt["stopped_by"], limit, "{limit}: {receipt:#}");
        assert_ne!(receipt["status"], "succeeded", "{limit}");
        if limit == "output_size" {
            assert_eq!(
                receipt["outputs"],
                json!({}),
                "outputs over the cap are refused"
            );
        }
        let after = sandbox.run("print('still here')", json!({}))?;
        assert_eq!(
            after["status"], "succeeded",
            "server after {limit}: {after:#}"
        );
        assert_eq!(after["stdout_tail"], "still here\n");
    }
    Ok(())
}

#[test]
fn a_limit_over_the_cap_is_refused_before_anything_runs() -> Result<()> {
    let sandbox = Sandbox::start(&[])?;
    let (status, problem) = sandbox.execute(&json!({
        "attempt_id": "greedy", "program": "print(1)", "limits": {"memory_mb": 1_000_000},
    }))?;
    assert_eq!(status, 422);
    assert_eq!(
        problem["type"],
        "https://writ.dev/problems/limit-out-of-range"
    );
    assert_eq!(problem["pointer"], "/limits/memory_mb");
    Ok(())
}
