/* devices.h - the host's devices, for --privileged (as docker gives them). */
#ifndef TOTE_ENGINE_DEVICES_H
#define TOTE_ENGINE_DEVICES_H

#include <jansson.h>

/* The character and block devices under the host's /dev as linux.devices
 * entries (path, type, major, minor, fileMode, uid, gid), except what every
 * container has already (null, zero, full, random, urandom, tty, console,
 * ptmx) and what /dev/pts, /dev/shm and /dev/mqueue hold.  A new array. */
json_t *eng_host_devices(void);

#endif
