// Each format as its models lay a conversation out. Where a format has no system role (Mistral, Gemma) the
// system text goes in front of the first user message, which is what those models' users do by hand. bos_token and
// eos_token are printed on their own, never joined with +, so a vocabulary without them renders as "".
#include "tokenizer/builtin_chat_templates.h"

#include <utility>

namespace edt {
namespace {

// ChatML (Qwen, SmolLM, many fine-tunes): <|im_start|>role\ncontent<|im_end|>\n
const char* const kChatml =
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// Llama 3: header tokens around the role, content trimmed, <|eot_id|> after each turn.
const char* const kLlama3 =
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + "
    "'<|eot_id|>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

// Llama 2 chat: [INST] blocks, the system prompt in <<SYS>> inside the first one, each exchange in <s>...</s>.
const char* const kLlama2 =
    "{% if messages and messages[0]['role'] == 'system' %}"
    "{% set system = '<<SYS>>\\n' + messages[0]['content'] | trim + '\\n<</SYS>>\\n\\n' %}"
    "{% set messages = messages[1:] %}"
    "{% else %}{% set system = '' %}{% endif %}"
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}"
    "{{ bos_token }}{{ '[INST] ' + (system if loop.first else '') + message['content'] | trim + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}"
    "{{ ' ' + message['content'] | trim + ' ' }}{{ eos_token }}"
    "{% endif %}"
    "{% endfor %}";

// Mistral instruct: <s>[INST] user [/INST]answer</s>[INST] ... (no spaces around the answer).
const char* const kMistral =
    "{% if messages and messages[0]['role'] == 'system' %}"
    "{% set system = messages[0]['content'] + '\\n\\n' %}{% set messages = messages[1:] %}"
    "{% else %}{% set system = '' %}{% endif %}"
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}"
    "{{ '[INST] ' + (system if loop.first else '') + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}"
    "{{ message['content'] }}{{ eos_token }}"
    "{% endif %}"
    "{% endfor %}";

// Phi-3: <|role|>\ncontent<|end|>\n
const char* const kPhi3 =
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

// Zephyr: <|role|>\ncontent</s>\n
const char* const kZephyr =
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\\n' + message['content'] }}{{ eos_token }}{{ '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

// Gemma: <start_of_turn>user|model\ncontent<end_of_turn>\n; the assistant's role is "model".
const char* const kGemma =
    "{{ bos_token }}"
    "{% if messages and messages[0]['role'] == 'system' %}"
    "{% set system = messages[0]['content'] | trim + '\\n\\n' %}{% set messages = messages[1:] %}"
    "{% else %}{% set system = '' %}{% endif %}"
    "{% for message in messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "{{ '<start_of_turn>' + role + '\\n' + (system if loop.first else '') + message['content'] | trim + "
    "'<end_of_turn>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}";

const std::pair<const char*, const char*> kTemplates[] = {
    {"chatml", kChatml}, {"llama3", kLlama3}, {"llama2", kLlama2}, {"mistral", kMistral},
    {"phi3", kPhi3},     {"zephyr", kZephyr}, {"gemma", kGemma},
};

}  // namespace

const char* builtin_chat_template_source(const std::string& name) {
  for (const auto& [n, source] : kTemplates)
    if (name == n) return source;
  return nullptr;
}

std::vector<std::string> builtin_chat_template_names() {
  std::vector<std::string> out;
  for (const auto& [n, source] : kTemplates) out.emplace_back(n);
  return out;
}

}  // namespace edt
