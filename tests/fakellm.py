"""A local OpenAI-compatible chat completions server, for testing the provider wiring.

It records each request and replies with a recorded response for a known question, or,
for any other, a reply that quotes the first sentence of the first source verbatim (as a
careful model would). `fail_next` makes it answer with an HTTP error instead.
"""

from __future__ import annotations

import json
import re
import time

from loopback import LoopbackServer

RECORDED = {
    "What are the red lines?": {
        "answer": "There are four: no IT contract worth more than £100 million without an "
                  "exceptional reason, no supplier acting as both service provider and "
                  "system integrator, no automatic extensions, and hosting contracts of no "
                  "more than 2 years [<<£100 million>>].",
        "sufficient": True, "sources": ["<<£100 million>>"]},
}


class FakeLLM(LoopbackServer):
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_next: list[int] = []
        super().__init__()
        self.url = f"{self.base}/v1"

    def handle(self, path: str, headers, raw: str) -> tuple[int, dict, object]:
        body = json.loads(raw)
        self.requests.append({"path": path, "body": body, "auth": headers.get("Authorization")})
        if self.fail_next:
            return self.fail_next.pop(0), {}, {"error": {"message": "unavailable",
                                                         "type": "server_error"}}
        return 200, {}, {
            "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "test"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": self.content(body)}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}

    def content(self, body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        sources = re.findall(r'<source id="(S\d+)">\n(.*?)\n</source>', prompt, re.S)
        question = re.search(r"<question>(.*?)</question>", prompt, re.S).group(1)
        if question in RECORDED:
            reply = json.dumps(RECORDED[question], ensure_ascii=False)
            return re.sub(r"<<(.+?)>>", lambda m: next(
                (token for token, text in sources if m.group(1) in text), "S99"), reply)
        for token, text in sources:
            for line in text.split("\n"):
                sentence = re.split(r"(?<=[.!?])\s", line.removeprefix("• "))[0]
                if len(sentence) > 20 and not sentence.endswith(":"):
                    return json.dumps({"answer": f"The guidance says “{sentence}” [{token}].",
                                       "sufficient": True, "sources": [token]},
                                      ensure_ascii=False)
        return json.dumps({"answer": "The sources do not say.", "sufficient": False,
                           "sources": []})
