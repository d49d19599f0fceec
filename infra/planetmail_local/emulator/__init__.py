"""planetmail's local FaaS emulator: runs any SAM project with Python handlers, as ``sam local`` would."""
