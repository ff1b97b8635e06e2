/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * policy.h - the policy language (policies/README.md): a .policy file into
 * the policy IR (policy_ir.h).
 */
#ifndef BR_POLICY_H
#define BR_POLICY_H

#include <stddef.h>
#include "diag.h"
#include "policy_ir.h"

/*
 * Parse one policy file (and the files it includes). On success *out holds
 * the policy and 0 is returned. On failure every error found is appended to
 * diag and -EINVAL returned (or -ENOENT/-ENOMEM ... for the file itself);
 * *out is NULL.
 */
int br_policy_parse_file(const char *path, struct br_policy **out,
			 struct br_diag *diag);

/* The same from a buffer; "file" names it in diagnostics and includes. */
int br_policy_parse_buffer(const char *file, const char *text, size_t len,
			   struct br_policy **out, struct br_diag *diag);

/*
 * The same, against a service catalog (catalog.h): every target must be a
 * catalog service, and "rule service ID ACTION" expands to rules for the
 * service's flows. With cat NULL (the functions above), targets are not
 * checked and service rules are an error.
 */
struct br_catalog;
int br_policy_parse_file_cat(const char *path, const struct br_catalog *cat,
			     struct br_policy **out, struct br_diag *diag);
int br_policy_parse_buffer_cat(const char *file, const char *text, size_t len,
			       const struct br_catalog *cat,
			       struct br_policy **out, struct br_diag *diag);

#endif /* BR_POLICY_H */
