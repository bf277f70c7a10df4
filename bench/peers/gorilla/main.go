// gorilla/websocket echo server for the peer comparison, in the package's
// idiomatic style: net/http serves, an Upgrader upgrades, one goroutine per
// connection loops NextReader -> NextWriter (io.Copy), so a message is never
// held whole. Buffer sizes are left at their defaults, so the upgrade reuses
// net/http's buffers, and a WriteBufferPool lends the write buffer only while
// a message is being written: the package's documented way to keep idle
// connections small. Run with GOMAXPROCS=1 (make compare does): one thread.
// No compression. Text is echoed as text, binary as binary.
//
//	gorilla-echo PORT
package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{
	WriteBufferPool:   &sync.Pool{},
	EnableCompression: false,
	CheckOrigin:       func(*http.Request) bool { return true },
}

func echo(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetReadLimit(16 << 20)
	for {
		kind, reader, err := conn.NextReader()
		if err != nil {
			return
		}
		writer, err := conn.NextWriter(kind)
		if err != nil {
			return
		}
		if _, err := io.Copy(writer, reader); err != nil {
			return
		}
		if err := writer.Close(); err != nil {
			return
		}
	}
}

func main() {
	port := "9001"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	addr := "127.0.0.1:" + port
	http.HandleFunc("/", echo)
	fmt.Printf("gorilla: listening on %s\n", addr)
	log.Fatal(http.ListenAndServe(addr, nil))
}
