// A peer of `lvtlab serve` for `lvtlab load`: the plain relay a team would write in Go with
// gorilla/websocket, shaped like gorilla's own chat example (a reader and a writer goroutine per
// connection, a buffered channel between them) but one frame per message, as lvtlab load reads
// them. Same URL, same join and send messages, frames of similar size: a join is answered, a send
// is answered to its sender (with its message) and relayed to every other connection of its
// session group (the livetemplate-id cookie, or one group with --global). Loopback only.
//
//	go-hub [--port N] [--global]
//
// Prints "go-hub serving on http://127.0.0.1:PORT/" once listening; stops on SIGTERM.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"sync"
	"syscall"

	"github.com/gorilla/websocket"
)

const (
	frameBytesMax = 64 * 1024
	sendFramesMax = 4096 // a reader this far behind is cut, as lvtlab cuts a slow reader
)

var cookiePattern = regexp.MustCompile(`(?:^|;\s*)livetemplate-id=([^;]+)`)

type client struct {
	conn  *websocket.Conn
	send  chan []byte   // never closed: a full one cuts the client instead
	done  chan struct{} // closed once, when the client is cut or gone
	group string
	once  sync.Once
}

func (c *client) cut() { c.once.Do(func() { close(c.done) }) }

// queue hands frame to c's writer, or cuts c when it is sendFramesMax frames behind.
func (c *client) queue(frame []byte) {
	select {
	case c.send <- frame:
	default:
		c.cut()
	}
}

type hub struct {
	mutex  sync.RWMutex
	groups map[string]map[*client]struct{}
}

func (h *hub) add(c *client) {
	h.mutex.Lock()
	defer h.mutex.Unlock()
	members := h.groups[c.group]
	if members == nil {
		members = make(map[*client]struct{})
		h.groups[c.group] = members
	}
	members[c] = struct{}{}
}

func (h *hub) remove(c *client) {
	h.mutex.Lock()
	defer h.mutex.Unlock()
	members := h.groups[c.group]
	delete(members, c)
	if len(members) == 0 {
		delete(h.groups, c.group)
	}
}

// relay queues frame on every other member of from's group; a full queue cuts that member.
func (h *hub) relay(from *client, frame []byte) {
	h.mutex.RLock()
	defer h.mutex.RUnlock()
	for peer := range h.groups[from.group] {
		if peer != from {
			peer.queue(frame)
		}
	}
}

type action struct {
	Action string `json:"action"`
	Data   struct {
		Text string `json:"text"`
	} `json:"data"`
}

type update struct {
	Zero struct {
		A [][]string `json:"a"`
	} `json:"0"`
}

type meta struct {
	Action  string            `json:"action"`
	Errors  map[string]string `json:"errors"`
	Success bool              `json:"success"`
}

type answer struct {
	Tree interface{} `json:"tree"`
	Meta meta        `json:"meta"`
}

type relayed struct {
	Tree update `json:"tree"`
}

const firstTree = `{"tree":{"s":["<main><ul>","</ul></main>"],"0":{"d":[],"s":["<li>","</li>"]}}}`

func mustMarshal(value interface{}) []byte {
	out, err := json.Marshal(value)
	if err != nil {
		panic(err)
	}
	return out
}

func (h *hub) read(c *client) {
	defer func() {
		h.remove(c)
		c.cut()
	}()
	c.conn.SetReadLimit(frameBytesMax)
	for {
		kind, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		if kind != websocket.TextMessage {
			return
		}
		var message action
		if json.Unmarshal(data, &message) != nil {
			c.queue([]byte(`{"type":"error","code":"invalid_json"}`))
			continue
		}
		if message.Action != "send" {
			c.queue(mustMarshal(answer{Tree: struct{}{}, Meta: meta{message.Action, map[string]string{}, true}}))
			continue
		}
		var tree update
		tree.Zero.A = [][]string{{message.Data.Text}}
		c.queue(mustMarshal(answer{Tree: tree, Meta: meta{"send", map[string]string{}, true}}))
		h.relay(c, mustMarshal(relayed{Tree: tree}))
	}
}

func write(c *client) {
	defer c.conn.Close() // which ends the reader too
	for {
		select {
		case frame := <-c.send:
			if c.conn.WriteMessage(websocket.TextMessage, frame) != nil {
				c.cut()
				return
			}
		case <-c.done:
			c.conn.WriteMessage(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "slow reader"))
			return
		}
	}
}

func main() {
	port := flag.Int("port", 0, "loopback port to listen on (0: any free one)")
	global := flag.Bool("global", false, "one group for every connection")
	flag.Parse()
	h := &hub{groups: make(map[string]map[*client]struct{})}
	upgrader := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		group := "global"
		if !*global {
			group = "anonymous"
			if found := cookiePattern.FindStringSubmatch(r.Header.Get("Cookie")); found != nil {
				group = found[1]
			}
		}
		c := &client{conn: conn, send: make(chan []byte, sendFramesMax), done: make(chan struct{}), group: group}
		c.send <- []byte(firstTree)
		h.add(c)
		go write(c)
		go h.read(c)
	})
	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-hub:", err)
		os.Exit(2)
	}
	fmt.Printf("go-hub serving on http://%s/\n", listener.Addr().String())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		listener.Close()
		os.Exit(0)
	}()
	http.Serve(listener, nil)
}
