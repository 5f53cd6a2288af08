package main

import (
	"fmt"
	"net"
)

// checkListen fails at once when addr cannot be listened on (a port in
// use, an address not on this machine). The embedded NATS server would
// otherwise log the error and keep trying while serve waits 30 s for it,
// deaf to SIGTERM. The check and the server's own listen are moments
// apart; what takes the port in between still gets the 30 s wait.
func checkListen(flagName, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %s %s: %w (another NATS server or cpr serve? pick another address or stop it)", flagName, addr, err)
	}
	return ln.Close()
}
