#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    msmigrate_fuzz::harness::script_bash(data);
});
