/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"
#include "cmd.h"
int main(int argc, char **argv) { (void)argc; (void)argv; return 0; }
