#pragma once
// The subcommands of `edt`. Each parses its own flags from argv[2..] and returns the process exit code; errors are
// thrown (FormatError, UsageError) and turned into one line by main().
namespace edt {

int cmd_run(int argc, char** argv);
int cmd_profile(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_mkmodel(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_convert(int argc, char** argv);
int cmd_inspect(int argc, char** argv);
int cmd_logits(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_perplexity(int argc, char** argv);
int cmd_quantize(int argc, char** argv);
int cmd_serve(int argc, char** argv);
int cmd_template(int argc, char** argv);
int cmd_chat(int argc, char** argv);

}  // namespace edt
