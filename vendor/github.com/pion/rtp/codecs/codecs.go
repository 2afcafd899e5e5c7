// SPDX-FileCopyrightText: 2026 The Pion community <https://pion.ly>
// SPDX-License-Identifier: MIT

// Package codecs implements codec specific RTP payloader/depayloaders
package codecs
