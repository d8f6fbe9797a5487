package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Centrifugo speaks its JSON client protocol at /connection/websocket: commands {"id", "connect"|"subscribe"|
// "publish": {...}}, replies with the same id, pushes {"push": {"channel", "pub": {"data"}}}, several of them
// newline-separated in one frame; the server's ping is an empty object, answered with one.
// The server needs the HMAC secret and channels open to client subscribe and publish (bench/fanout.py writes
// that configuration).
type Centrifugo struct {
	base   string
	secret []byte
	prefix string
}

func NewCentrifugo(base, secret, prefix string) *Centrifugo {
	return &Centrifugo{base: strings.TrimRight(base, "/"), secret: []byte(secret), prefix: prefix}
}

func (c *Centrifugo) Name() string { return "centrifugo" }

func (c *Centrifugo) Prepare(Plan) error { return nil } // users are whoever holds a token; channels need no creation

func (c *Centrifugo) channel(room int) string { return fmt.Sprintf("%s-room-%d", c.prefix, room) }

// token is an HS256 JWT naming the user, valid for a day.
func (c *Centrifugo) token(user int) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{"sub": fmt.Sprintf("%su%d", c.prefix, user), "exp": time.Now().Add(24 * time.Hour).Unix()})
	signing := header + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, c.secret)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

func (c *Centrifugo) Dial(plan Plan, user int) (*websocket.Conn, error) {
	conn, _, err := dialer.Dial(wsURL(c.base)+"/connection/websocket", nil)
	if err != nil {
		return nil, err
	}
	var commands bytes.Buffer
	connect, _ := json.Marshal(map[string]any{"id": 1, "connect": map[string]any{"token": c.token(user)}})
	commands.Write(connect)
	rooms := plan.RoomsOf(user)
	for k, room := range rooms {
		subscribe, _ := json.Marshal(map[string]any{"id": 2 + k, "subscribe": map[string]any{"channel": c.channel(room)}})
		commands.WriteByte('\n')
		commands.Write(subscribe)
	}
	if err := conn.WriteMessage(websocket.TextMessage, commands.Bytes()); err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	waiting := len(rooms) + 1
	for waiting > 0 {
		_, frame, err := conn.ReadMessage()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("waiting for connect and subscribe replies: %w", err)
		}
		for _, line := range bytes.Split(frame, []byte("\n")) {
			var reply struct {
				ID    int             `json:"id"`
				Error json.RawMessage `json:"error"`
			}
			if json.Unmarshal(line, &reply) != nil || reply.ID == 0 {
				continue
			}
			if len(reply.Error) > 0 {
				conn.Close()
				return nil, fmt.Errorf("command %d refused: %s", reply.ID, reply.Error)
			}
			waiting--
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	return conn, nil
}

func (c *Centrifugo) PublishFrame(room int, text string, ref int64) []byte {
	frame, _ := json.Marshal(map[string]any{
		"id": 1000 + ref, "publish": map[string]any{"channel": c.channel(room), "data": map[string]string{"text": text}},
	})
	return frame
}

// Reply answers the server's ping (an empty object, alone or among pushes in one frame) with an empty object.
func (c *Centrifugo) Reply(frame []byte) []byte {
	if !bytes.Contains(frame, []byte("{}")) {
		return nil
	}
	for _, line := range bytes.Split(frame, []byte("\n")) {
		if bytes.Equal(bytes.TrimSpace(line), []byte("{}")) {
			return []byte("{}")
		}
	}
	return nil
}
