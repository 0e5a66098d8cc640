/*
 * What the compiler is told about functions (format checks, no return),
 * kept apart from util.h so that any header can say it, the status line's
 * (progress.h) included, which util.c itself uses.
 */
#ifndef CAMAUDIT_COMPILER_H
#define CAMAUDIT_COMPILER_H

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

#endif
