/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * serve_line.h - labproto.h's lines, as the servers answer them: a
 * device's (GET, CHAN, PING, SEND, ACK) and a control client's (PUSH).
 */
#ifndef BR_SERVE_LINE_H
#define BR_SERVE_LINE_H

struct br_server;
struct br_conn;

/*
 * The largest GET, SEND or PUSH body taken (assumption: a lab's transfers
 * are a few MB at most; a larger number is a bad line).
 */
#define BR_SERVE_BODY_MAX (64ull << 20)

/*
 * Read c's input and answer every whole line in it, until the socket has
 * no more or c's output is past BR_CONN_OUT_HIGH. 0; -EPROTO for a bad
 * line; another negative errno when the connection ended or failed (the
 * caller closes it, once its output is written when c->eof is set).
 */
int br_line_input(struct br_server *s, struct br_conn *c);

#endif /* BR_SERVE_LINE_H */
