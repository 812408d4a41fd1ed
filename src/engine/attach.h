/* attach.h - `tote attach`: a command joins a running container's stdio
 * through its monitor, which listens on ROOT/containers/<id>/attach.sock
 * (0600, root's).  Over that stream socket both sides send frames, a byte
 * of type and four of length (big-endian) before the payload:
 *
 *   monitor -> command   ATTACH_STDOUT, ATTACH_STDERR  the container's output
 *                        ATTACH_EXIT                   its exit code (4 bytes), the end
 *   command -> monitor   ATTACH_STDIN                  input for the container (-i, or -t)
 *                        ATTACH_STDIN_EOF              no more input
 *                        ATTACH_RESIZE                 rows and columns (2 + 2 bytes), -t
 *
 * The monitor keeps serving the output to whoever is attached, never
 * waits on a slow one (a command that cannot keep up is let go), and
 * logs as before. */
#ifndef TOTE_ENGINE_ATTACH_H
#define TOTE_ENGINE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tote_err;

#define ENG_ATTACH_SOCK "attach.sock"
#define ENG_ATTACH_MAX_CLIENTS 8

enum {
  ATTACH_STDIN = 0,
  ATTACH_STDOUT = 1,
  ATTACH_STDERR = 2,
  ATTACH_EXIT = 3,
  ATTACH_RESIZE = 4,
  ATTACH_STDIN_EOF = 5,
};

/* ---- frames (pure) ---- */

#define ATTACH_HEADER 5
#define ATTACH_MAX_PAYLOAD (1u << 20)
void eng_frame_header(uint8_t type, uint32_t len, uint8_t out[ATTACH_HEADER]);

/* A reader's buffer; eng_frames_next takes one whole frame out of it. */
struct eng_frames {
  uint8_t buf[ATTACH_HEADER + 65536];
  size_t n;
};
/* Append what was read; -1 when it does not fit (a frame too big). */
int eng_frames_feed(struct eng_frames *f, const void *data, size_t len);
/* 1 and the frame (its payload points into f, valid until the next call)
 * when a whole one is there, 0 when more bytes are needed, -1 on a frame
 * longer than the buffer. */
int eng_frames_next(struct eng_frames *f, uint8_t *type, const uint8_t **payload,
                    uint32_t *len);

/* ---- the monitor's side ---- */

struct eng_attach_srv {
  int listen_fd; /* -1: none */
  int clients[ENG_ATTACH_MAX_CLIENTS];
  struct eng_frames *in[ENG_ATTACH_MAX_CLIENTS];
};
/* Listen on attach.sock in the container's directory dfd. */
int eng_attach_listen(struct eng_attach_srv *s, int dfd, struct tote_err **err);
/* A new command attached (after poll said the listening socket is ready). */
void eng_attach_accept(struct eng_attach_srv *s);
/* Send output (stream ATTACH_STDOUT or ATTACH_STDERR) to every command. */
void eng_attach_output(struct eng_attach_srv *s, uint8_t stream, const void *data, size_t len);
/* What a command sent: its input written to in_fd (-1: the container has no
 * stdin: dropped), a resize applied to the pty master tty_fd (-1: none). */
void eng_attach_input(struct eng_attach_srv *s, int i, int in_fd, int tty_fd);
/* Tell every command the exit code, and stop listening. */
void eng_attach_close(struct eng_attach_srv *s, int code, int dfd);

/* ---- the command's side ---- */

struct eng_attach_opts {
  const char *root, *state_root, *id;
  bool stdin_open;  /* send our stdin (the container keeps its stdin open: -i) */
  bool tty;         /* the container has a pty: raw mode, our size */
  bool sig_proxy;   /* our signals go to the container */
};
/* Relay until the container exits: *exit_code its code. */
int eng_attach(const struct eng_attach_opts *o, int *exit_code, struct tote_err **err);

#endif
