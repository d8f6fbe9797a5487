package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

const benchPassword = "correct horse battery staple 42"

// ChatCluster is the project's gateway: sign-ups and rooms through the HTTP API, `/v1/ws?token=` sockets,
// `send` frames ({type, room_id, text, ref}; the gateway answers each with an `ack` after the PubAck).
type ChatCluster struct {
	base        string
	preset      *Tokens
	prefix      string
	concurrency int
	owner       string
	tokens      []string
	roomIDs     []string
}

// Tokens are access tokens of users made beforehand (--tokens): the rooms' owner and the members, in order.
type Tokens struct {
	Owner string   `json:"owner"`
	Users []string `json:"users"`
}

func NewChatCluster(base, prefix string, concurrency int, preset *Tokens) *ChatCluster {
	return &ChatCluster{base: strings.TrimRight(base, "/"), prefix: prefix, concurrency: concurrency, preset: preset}
}

func (c *ChatCluster) Name() string { return "chatcluster" }

type signedIn struct {
	AccessToken string `json:"access_token"`
}

func (c *ChatCluster) register(name string) (string, error) {
	var body signedIn
	err := call("POST", c.base+"/v1/auth/register", nil, map[string]string{"username": name, "password": benchPassword},
		201, &body)
	return body.AccessToken, err
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

func (c *ChatCluster) Prepare(plan Plan) error {
	started := time.Now()
	if err := c.signUp(plan); err != nil {
		return err
	}
	owner := c.owner
	c.roomIDs = make([]string, plan.Rooms+1)
	for r := range c.roomIDs {
		var room struct {
			RoomID string `json:"room_id"`
		}
		name := fmt.Sprintf("%s room %d", c.prefix, r)
		if err := call("POST", c.base+"/v1/rooms", bearer(owner), map[string]string{"name": name}, 201, &room); err != nil {
			return fmt.Errorf("creating room %d: %w", r, err)
		}
		c.roomIDs[r] = room.RoomID
	}
	joins := plan.Users * (plan.PerUser + 1)
	err := parallel(joins, c.concurrency, func(k int) error {
		user, nth := k/(plan.PerUser+1), k%(plan.PerUser+1)
		room := c.roomIDs[plan.RoomsOf(user)[nth]]
		return call("POST", c.base+"/v1/rooms/"+room+"/join", bearer(c.tokens[user]), nil, 200, nil)
	})
	if err != nil {
		return fmt.Errorf("joining rooms: %w", err)
	}
	say("chatcluster: %d users in %d rooms (%d joins) after %.1fs", plan.Users, plan.Rooms+1, joins,
		time.Since(started).Seconds())
	return nil
}

// signUp registers the rooms' owner (not one of the members: it never opens a socket) and the members through
// the API, or takes the preset tokens.
func (c *ChatCluster) signUp(plan Plan) error {
	if c.preset != nil {
		if len(c.preset.Users) < plan.Users {
			return fmt.Errorf("--tokens has %d users, %d needed", len(c.preset.Users), plan.Users)
		}
		c.owner, c.tokens = c.preset.Owner, c.preset.Users[:plan.Users]
		return nil
	}
	started := time.Now()
	owner, err := c.register(c.prefix + "own")
	if err != nil {
		return fmt.Errorf("signing up the rooms' owner: %w", err)
	}
	c.owner = owner
	c.tokens = make([]string, plan.Users)
	err = parallel(plan.Users, c.concurrency, func(i int) error {
		token, err := c.register(fmt.Sprintf("%su%d", c.prefix, i))
		c.tokens[i] = token
		return err
	})
	if err != nil {
		return fmt.Errorf("signing up users: %w", err)
	}
	say("chatcluster: %d users signed up through the API in %.1fs", plan.Users, time.Since(started).Seconds())
	return nil
}

func (c *ChatCluster) Dial(_ Plan, user int) (*websocket.Conn, error) {
	conn, _, err := dialer.Dial(wsURL(c.base)+"/v1/ws?token="+url.QueryEscape(c.tokens[user]), nil)
	if err != nil {
		return nil, err
	}
	// The gateway subscribes the socket to all the user's rooms before it sends `ready`.
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	for {
		_, frame, err := conn.ReadMessage()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("waiting for ready: %w", err)
		}
		var head struct {
			Type   string `json:"type"`
			Detail string `json:"detail"`
		}
		if json.Unmarshal(frame, &head) == nil {
			if head.Type == "ready" {
				_ = conn.SetReadDeadline(time.Time{})
				return conn, nil
			}
			if head.Type == "error" {
				conn.Close()
				return nil, fmt.Errorf("refused: %s", head.Detail)
			}
		}
	}
}

func (c *ChatCluster) PublishFrame(room int, text string, ref int64) []byte {
	frame, _ := json.Marshal(map[string]any{"type": "send", "room_id": c.roomIDs[room], "text": text, "ref": ref})
	return frame
}

func (c *ChatCluster) Reply([]byte) []byte { return nil }
