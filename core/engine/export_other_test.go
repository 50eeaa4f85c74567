//go:build !linux

package engine

func parkedIn(*idlePoller, *wsConn) bool { return false }
