/* signame.h - signals as commands take them: "KILL", "SIGKILL", "kill",
 * "9", "RTMIN+1", "SIGRTMAX-2". */
#ifndef TOTE_UTIL_SIGNAME_H
#define TOTE_UTIL_SIGNAME_H

/* The signal's number, or -1 when it names none. */
int sig_parse(const char *s);

#endif
