// SPDX-FileCopyrightText: 2026 The Pion community <https://pion.ly>
// SPDX-License-Identifier: MIT

// Package reuseport implements an OS-dependent reuse-port helper.
package reuseport
