"""Learn a machine's normal vibration, then watch it while a bearing defect grows.

Runs in a few seconds::

    .venv/bin/python examples/maintenance_quickstart.py

1. Simulate a 3-axis accelerometer on a pump (4 kHz) with an outer-race bearing
   defect that starts after 3 minutes and grows.
2. Learn the first 2 minutes as normal, persisted in a state file.
3. "Crash" halfway (drop the object without closing), reopen the state file and
   resume from the saved position: same baseline, same alerts.
"""

import os
import tempfile

from edgeadapt.apps.maintenance import MachineWatch, MaintenanceConfig, synth
from edgeadapt.state import Coalesced, encode_blob

SAMPLE_RATE = 4000.0
ONSET_S = 180.0

pump = synth.MachineSpec.random(seed=7)
defect = synth.Fault("outer", onset=ONSET_S, growth=120.0, severity_start=0.05, severity_end=1.0)
signal = synth.vibration(pump, 300.0, SAMPLE_RATE, seed=1, fault=defect)  # (samples, 3) float32

config = MaintenanceConfig.vibration(SAMPLE_RATE, ("x", "y", "z"), window=2048, learn_seconds=120.0)
path = os.path.join(tempfile.mkdtemp(), "pump.ea")

# Save at most every 20 calls: the state (baseline, alert memory, position) is small.
watch = MachineWatch.open(path, config, policy=Coalesced(max_updates=20, max_seconds=5.0))
watch.seek("pump-sensor")
chunk = 4096  # what a sensor driver would hand over at a time
half = len(signal) // 2
for start in range(0, half, chunk):
    watch.update_many(signal[start : min(start + chunk, half)])
    for t, event in zip(watch.times, watch.results.event):
        if event:
            print(f"  t={t:6.1f} s  alert {event}")
watch.flush()  # a real crash would lose at most the calls since the last save
print(f"after {half / SAMPLE_RATE:.0f} s: {watch.monitor.scorer.phase}, position {watch.cursor.rows} samples")
del watch  # "crash"

watch = MachineWatch.open(path)  # configuration, baseline and position come from the file
watch.seek("pump-sensor")
resume = watch.skip_rows()
print(f"restarted: resuming at sample {resume} ({resume / SAMPLE_RATE:.1f} s)")
for start in range(resume, len(signal), chunk):
    watch.update_many(signal[start : start + chunk])
    for t, event, score in zip(watch.times, watch.results.event, watch.results.score):
        if event:
            print(f"  t={t:6.1f} s  alert {event} (score {score:.2f}, fault onset at {ONSET_S:.0f} s)")
watch.close()

state = MachineWatch.open(path)
blob = encode_blob(state.component.state_dict())
print(f"alerts raised: {state.monitor.guard.alerts}; state {len(blob)} bytes (file with two slots: {os.path.getsize(path)})")
state.close()
